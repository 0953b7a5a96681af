"""The Textual study TUI (``pyflash study``). Built by :func:`pyflash.ui.app.make_app`."""
