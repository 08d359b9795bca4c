"""The command line: parse arguments, call the library, render with rich."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

import search

stdout = Console()


@click.group()
def main():
    """Arabic full-text search over news articles."""


@main.command()
@click.argument("text")
def normalize(text):
    """Print TEXT normalized (diacritics stripped, letter forms unified).

    Example: python cli.py normalize "مَدْرَسَةٌ"
    """
    click.echo(search.normalize(text).text)


@main.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per token.")
def analyze(text, as_json):
    """Show each token of TEXT: original form, offsets, normalized form, stem.

    Example: python cli.py analyze "وبالمدرسةِ الجديدة"
    """
    tokens = search.analyze(text)
    if as_json:
        for token in tokens:
            click.echo(json.dumps(token.__dict__, ensure_ascii=False))
        return
    table = Table("#", "original", "start", "end", "normalized", "stem")
    for token in tokens:
        table.add_row(str(token.position), token.original, str(token.start), str(token.end),
                      token.normalized, token.stem or "(stopword)")
    stdout.print(table)


if __name__ == "__main__":
    main()
