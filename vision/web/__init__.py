"""Digit Locker in the browser: a Flask app over the same reader, PIN entry and lock file.

``vision.web.app.create_app(classifier, config_path)`` builds it; ``python recognize_live.py
--web`` serves it. ``static/`` holds the pages (plain HTML, CSS and JavaScript, no build step).
Nothing in ``vision`` imports this package, and importing it does not import Flask.
"""
