"""The import rules of ``../shared/docs/house-style.md``, checked on the source (nothing is imported).

"What may import what: config and types import nothing; pure stages import only config, types and
earlier stages; IO edges never import training; only training imports TensorFlow; web, the CLIs and
the tools sit on top and nothing imports them." The layers below name today's modules; a new module
must be placed in one (``test_every_module_has_a_layer``), so the rules cannot be skipped by omission.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONTRACT = ("vision.config", "vision.types")
PURE = (  # image stages: arrays in, arrays out
    "vision.imaging",
    "vision.preprocess",
    "vision.layout",
    "vision.marks",
    "vision.structure",
    "vision.split",
    "vision.segment",
    "vision.classifier",
    "vision.pipeline",
    "vision.overlay",
)
STATE = ("vision.entry", "vision.teach", "vision.session")  # time-driven logic over the stages
IO = ("vision.sources", "vision.snapshots", "vision.samples", "vision.lockstore")  # files and devices
TRAINING = ("vision.training", "train_model")
SYNTH = ("vision.synth",)  # generated images: they may draw with the first pure stages, nothing more
WEB = ("vision.web",)
TOOLS = (  # web/bench is in WEB
    "vision.evaluate",
    "vision.bench",
    "vision.soak",
    "vision.personal_eval",
    "vision.conditions_eval",
)
FRONT_ENDS = ("recognize_live", "train_model")
TOP = WEB + TOOLS + FRONT_ENDS
HEAVY = ("tensorflow", "keras")
SYNTH_DRAWS_WITH = ("vision.imaging", "vision.preprocess")  # decode rules and the MNIST layout of patches

# module prefix -> imported prefixes it must not reach (first matching key wins for a module)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    **{m: ("vision", "recognize_live", "train_model") for m in CONTRACT},
    **{m: STATE + IO + TRAINING + SYNTH + TOP for m in PURE},
    **{m: TRAINING + TOP for m in IO},
    **{m: TOP for m in STATE},
    **{m: tuple(p for p in PURE if p not in SYNTH_DRAWS_WITH) + STATE + IO + TRAINING + TOP for m in SYNTH},
    **{m: ("vision.web",) + FRONT_ENDS for m in TRAINING if m != "train_model"},
    **{m: FRONT_ENDS for m in TOOLS},  # tools share each other's scoring, never a CLI
    "vision.web": ("recognize_live", "train_model"),
}
# Only training imports TensorFlow at module level; these load Keras lazily, inside a function, and
# never on the live app's LiteRT path (tests/test_imports.py runs that path and checks sys.modules).
LAZY_HEAVY = {
    "vision.classifier": "the Keras fallback when LiteRT is absent or a .keras model is asked for",
    "vision.bench": "times the Keras model against the LiteRT one it ships",
}
# Today's code that breaks a rule, each with its reason; removing the import makes its test fail
# until the entry goes too.
EXCEPTIONS = {
    ("vision.classifier", "vision.lockstore"): "personal_model_path() finds the user folder beside the lock file",
    ("vision.samples", "vision.evaluate"): "reads the label file and ROI crops with the evaluator's parser",
    ("vision.personal_eval", "train_model"): "runs train_model.py --fine-tune in-process, as its CLI would",
}


def _modules() -> dict[str, Path]:
    files = sorted((ROOT / "vision").rglob("*.py")) + [ROOT / "recognize_live.py", ROOT / "train_model.py"]
    out = {}
    for path in files:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(path: Path) -> Iterator[tuple[str, bool]]:
    """(imported module, at module level) for every import in ``path``; ``from a import b`` yields
    ``a`` and ``a.b`` (b may be a submodule), TYPE_CHECKING blocks included."""
    tree = ast.parse(path.read_text(), str(path))
    lazy = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        yield from ((name, id(node) not in lazy) for name in names)


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _rule(module: str) -> tuple[str, ...]:
    return next((v for k, v in FORBIDDEN.items() if _under(module, k)), ())


def _breaks() -> set[tuple[str, str]]:
    """(module, forbidden prefix it reaches) over the whole tree, exceptions not yet applied."""
    found = set()
    for module, path in _modules().items():
        for name, _ in _imports(path):
            for prefix in _rule(module):
                if _under(name, prefix) and not _under(name, module):
                    found.add((module, prefix))
    return found


def test_every_module_has_a_layer():
    layered = CONTRACT + PURE + STATE + IO + TRAINING + SYNTH + WEB + TOOLS + FRONT_ENDS
    loose = [m for m in _modules() if m != "vision" and not any(_under(m, p) for p in layered)]
    assert loose == [], f"place these in a layer of tests/test_layers.py: {loose}"


def test_imports_follow_the_house_rules():
    breaks = _breaks() - set(EXCEPTIONS)
    assert breaks == set(), "imports against ../shared/docs/house-style.md: " + ", ".join(
        f"{m} -> {p}" for m, p in sorted(breaks)
    )


def test_every_exception_is_still_needed():
    stale = set(EXCEPTIONS) - _breaks()
    assert stale == set(), f"no longer broken, remove from EXCEPTIONS: {sorted(stale)}"


def test_only_training_imports_tensorflow():
    heavy = {
        (module, name, top_level)
        for module, path in _modules().items()
        for name, top_level in _imports(path)
        if name.split(".")[0] in HEAVY and not any(_under(module, p) for p in TRAINING)
    }
    assert {(m, n) for m, n, top_level in heavy if top_level} == set(), "TensorFlow at import time"
    assert {m for m, _, _ in heavy} == set(LAZY_HEAVY), "lazy TensorFlow imports differ from LAZY_HEAVY"


def test_training_imports_tensorflow_at_module_level_only_in_augment():
    """The rest of vision.training loads it inside the functions that fit, so ``train_model.py --help``,
    ``--collect`` and the tools that only read data sets stay cheap (tests/test_imports.py runs it)."""
    top_level = {
        module
        for module, path in _modules().items()
        if any(_under(module, p) for p in TRAINING)
        for name, at_top in _imports(path)
        if at_top and name.split(".")[0] in HEAVY
    }
    assert top_level == {"vision.training.augment"}


def test_the_checker_sees_a_forbidden_import(tmp_path: Path):
    probe = tmp_path / "probe.py"
    probe.write_text("from vision import config, sources\n\ndef f():\n    import keras\n")
    assert sorted(_imports(probe)) == [
        ("keras", False),
        ("vision", True),
        ("vision.config", True),
        ("vision.sources", True),
    ]
    assert "vision.sources" in _rule("vision.segment") and "train_model" in _rule("vision.web.app")
