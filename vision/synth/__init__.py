"""Images drawn from nothing, each with its ground truth: training patches, test scenes, the demo.

Nothing on the reader's path imports this package; the tests, the benchmark, the evaluators, the
"demo" source and training do. ``glyphs`` draws characters (Hershey fonts, synthetic K),
``symbols`` the operators and box pieces to reject, ``clutter`` what is neither, ``scene`` pastes
glyphs into a photo-like frame, ``conditions`` styles such scenes after the photos the reader
fails on, and ``demo`` films cards held up to a camera. One elastic warp (``warp``) and one set of
painting helpers (``paint``: skin, light, sensor noise) serve them all; ``tuning`` holds their
numbers.
"""
