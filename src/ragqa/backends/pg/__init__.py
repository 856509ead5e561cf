"""Parts of the PostgreSQL + pgvector store (`ragqa.backends.postgres`): connections, schema, writes
and search."""
