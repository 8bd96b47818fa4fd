"""`python -m gateway.cli …` is the `regulink` command."""

from gateway.cli.main import main

main()
