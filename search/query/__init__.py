"""Queries, backend-neutral: the language (lexer, parser, tree) and the plan both backends render."""
