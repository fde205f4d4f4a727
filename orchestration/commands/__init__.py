"""The `revwh` command line: one module per command (or small group), each with `add_subcommand(sub)`;
cli.py builds the parser from them. Argument parsing and one-line messages only: the work is elsewhere."""
