"""On-disk index storage: manifest, immutable segments, durable writes."""
