"""The errors of the export and of the OpenSearch backend, importable without either (the command line catches them)."""


class ExportError(Exception):
    """The export cannot be written as asked; the message says why."""


class BackendError(Exception):
    """The cluster cannot be used: client missing, unreachable, or it refused the request."""
