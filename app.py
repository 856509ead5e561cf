"""Start the ragqa chat UI: `python app.py [--index DIR] [--host H] [--port P] [--auth user:password]`.

Takes the same options as `ragqa serve` (also --config, --threads, --llm, --llm-model, --llm-url).
"""
import sys

from ragqa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
