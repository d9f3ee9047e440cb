"""`python -m embedlab.cli`: the same as the `embedlab` command."""

from embedlab.cli import main

main()
