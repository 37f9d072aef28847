"""Error messages in Chinese: every message a scenario run can raise is in the catalog, with
the same fields, and the command line shows it in the run's language."""

from __future__ import annotations

import ast
import pickle
import re
import string
from pathlib import Path

import pytest

from siting.errors import InputError, Msg, ScenarioError, render_message
from siting.standards.errtext import ZH, field_names, render

SRC = Path(__file__).resolve().parents[2] / "src" / "siting"
#: Where messages stay English: the library's programming interface (optimize, the compiled
#: network), and the commands whose console has no single run language (a province's batch,
#: the meeting server, `siting optimize` on a reachability table) — as for the log lines.
ENGLISH_ONLY = ("optimize/", "batch/", "serve/", "cli/optimize.py", "cli/batch.py", "cli/serve.py",
                "network/compiled.py", "network/incremental.py")
ERRORS = {"SitingError", "InputError", "ScenarioError", "MissingFileError", "CRSError", "NetworkError",
          "OfflineError", "DownloadError", "OutputError", "SolverError", "MissingDependency"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _scoped():
    for p in sorted(SRC.rglob("*.py")):
        rel = p.relative_to(SRC).as_posix()
        if not rel.startswith(ENGLISH_ONLY):
            yield rel, ast.parse(p.read_text(encoding="utf-8"))


def _templates() -> dict[str, str]:
    out = {}
    for rel, tree in _scoped():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Msg"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                out[node.args[0].value] = f"{rel}:{node.lineno}"
    return out


def _text_messages() -> list[str]:
    """Errors raised (or problems recorded) with literal English text instead of a Msg."""
    bad = []
    for rel, tree in _scoped():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            recorded = name in ("add", "append") and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and f.value.id == "problems"
            if name in ERRORS or recorded:
                a = node.args[0]
                items = a.elts if isinstance(a, ast.List) else [a]
                for x in items:
                    if isinstance(x, ast.JoinedStr) or (isinstance(x, ast.Constant) and isinstance(x.value, str)) \
                            or isinstance(x, ast.BinOp):
                        bad.append(f"{rel}:{node.lineno}")
        for fn in ast.walk(tree):  # functions that return problems return messages too
            if isinstance(fn, ast.FunctionDef) and "problem" in fn.name:
                for r in ast.walk(fn):
                    if isinstance(r, ast.Return) and isinstance(r.value, ast.List):
                        if any(isinstance(x, ast.JoinedStr) or (isinstance(x, ast.Constant) and isinstance(x.value, str))
                               for x in r.value.elts):
                            bad.append(f"{rel}:{r.lineno}")
    return bad


def test_every_error_of_a_run_is_a_message_of_the_catalog():
    assert not _text_messages()
    found = _templates()
    assert len(found) > 150  # the scan sees the library's messages
    missing = {t: where for t, where in found.items() if t not in ZH}
    assert not missing, missing
    stale = [t for t in ZH if t not in found and t not in _FIXED]
    assert not stale, stale
#: Templates rendered by siting.errors itself (not through a Msg call).
_FIXED = {"{n} problems found:"}


@pytest.mark.parametrize("template", sorted(ZH))
def test_chinese_template_has_the_fields_of_the_english_one(template):
    zh = ZH[template]
    assert set(field_names(zh)) <= set(field_names(template)), zh  # a field may be left out (an English plural)
    both = [f for f in field_names(template) if f not in ("kinds",)]
    assert set(both) <= set(field_names(zh)) | {"kind"}, zh  # but nothing the planner needs is dropped
    list(string.Formatter().parse(zh))  # well-formed braces
    if _has_words(template) and template not in _NO_WORDS:  # words to translate, not only keys, values and code
        assert CJK.search(zh), zh


#: Templates whose words are keys of a file (``categories``, ``extends``).
_NO_WORDS = {"categories: {exc}", "{where}: extends {name!r}: {hint}",
             "{where}: entries[{i}]: area_norm_m2 > area_norm_max_m2"}


def _has_words(template: str) -> bool:
    text = re.sub(r"\{[^}]*\}|\"[^\"]*\"|'[^']*'|pip install \S+|[\w<>*]+(\.[\w<>*]+)+|\w+_\w+", "", template)
    return bool(re.search(r"[A-Za-z]{4,}", text))


def test_render_by_hand():
    t = "{what} file not found: {p}: check the path (relative to the scenario file)"
    assert render(t, {"what": "facilities", "p": "poi.csv"}, "en") == \
        "facilities file not found: poi.csv: check the path (relative to the scenario file)"
    assert render(t, {"what": "facilities", "p": "poi.csv"}, "zh") == "现状设施文件不存在：poi.csv：请检查路径（相对于方案文件）"
    # conversions and format specs as in the English template; a key of the scenario stays a key
    t = "{key} = {text!r} is not a threshold: write a number and a unit, e.g. \"5 min\", \"15 min\", \"300 m\" or \"1.2 km\""
    assert render(t, {"key": "travel.max_snap", "text": "abc"}, "zh").startswith("travel.max_snap = 'abc' 不是有效的阈值")
    assert render("{key} = {profile!r} gives {speed:.3g} m/s: expected 0.1–50 m/s",
                  {"key": "speed", "profile": 99, "speed": 99.0}, "zh") == "speed = 99 对应 99 m/s：应在 0.1–50 m/s 之间"
    # a template outside the catalog stays English; a field of the wrong type falls back to English
    assert render("no such {x}", {"x": 1}, "zh") == "no such 1"
    # a list of words is translated only when every word is known
    assert render("{kind} {query!r}", {"kind": "place", "query": "榆次区"}, "zh") == "地名 '榆次区'"


def test_nested_messages_are_rendered_in_one_language():
    inner = Msg("is zero: a threshold of zero reaches nothing")
    m = Msg("{key} = {text!r} {v1}: write a positive distance or time, e.g. \"5 min\" or \"300 m\"",
            key="travel.max_snap", text="0 m", v1=inner)
    assert m == "travel.max_snap = '0 m' is zero: a threshold of zero reaches nothing: write a positive distance " \
                "or time, e.g. \"5 min\" or \"300 m\""  # as a str: the English text
    assert m.render("zh") == "travel.max_snap = '0 m' 为零：阈值为零则覆盖不到任何人：请写正的距离或时间，如 \"5 min\" 或 \"300 m\""
    # an error as a field, and texts given in both languages
    err = InputError(inner)
    assert render_message(Msg("optimize.decay: {exc}", exc=err), "zh") == "optimize.decay：为零：阈值为零则覆盖不到任何人"
    both = Msg.texts(en="2 no coordinates", zh="2 行缺少坐标")
    assert render_message(Msg("{a} and {b}", a=both, b="x"), "zh") == "2 行缺少坐标，x"
    assert Msg.join(["'a'", Msg("the server")]).render("zh") == "'a'、服务器"


def test_messages_survive_pickling_for_worker_processes():
    m = Msg("{host} refused the connection", host="overpass-api.de")
    back = pickle.loads(pickle.dumps(InputError(m)))
    assert str(back) == "overpass-api.de refused the connection"
    assert render_message(back, "zh") == "overpass-api.de 拒绝了连接"
    t = pickle.loads(pickle.dumps(Msg.texts(en="a", zh="甲")))
    assert t.render("zh") == "甲" and t == "a"


def test_scenario_error_lists_every_problem_in_the_language_asked():
    err = ScenarioError([Msg("categories.use is empty: name at least one category, e.g. [\"pharmacy\"]"),
                         "plain text"], "a.toml")
    assert str(err).startswith("a.toml: 2 problems found:\n  - categories.use is empty")
    assert err.render("zh") == ("a.toml：发现 2 个问题：\n  - categories.use 为空：请至少给出一个类别，如 [\"pharmacy\"]\n"
                                "  - plain text")


def _scenario(tmp_path, body: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text('name = "s"\n' + body, encoding="utf-8")
    return p


def test_a_chinese_scenario_that_does_not_validate_is_refused_in_chinese(tmp_path, capsys):
    from siting.cli import main

    p = _scenario(tmp_path, 'lang = "zh"\n[network]\nsource = "synthetic:n=400,seed=1"\n[travel]\nmax_snap = "300 furlongs"\n'
                  'walk_speed = 3\n[categories]\nuse = ["pharmcy"]\n[facilities]\nsource = "missing.csv"\n')
    assert main(["run", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("siting：错误：") and "发现 4 个问题" in err
    assert "travel.walk_speed：不是可用的键：请删去或检查拼写" in err
    assert "未知类别 'pharmcy'（是否应为 'pharmacy'？）" in err
    assert "facilities.source：文件不存在" in err and "'furlongs' 不是可识别的单位" in err
    # besides keys, values, file names and the category list, no English word is left
    rest = re.sub(r"known|\bcategories\b|[\w./-]*\.(toml|csv)|'[^']*'|\"[^\"]*\"|[a-z_]+\.[a-z_.]+|[a-z]+_[a-z_]+|\b(m|km|min|s|h)\b", "",
                  err.split("已知类别为")[0] + err.split("已知类别为")[1].split("\n", 1)[1])
    assert not re.search(r"[A-Za-z]{3,}", rest.replace("siting", "")), rest
    # the same file in English with --lang en
    assert main(["run", str(p), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("siting: error: ") and "4 problems found" in err and "is not a known key" in err
    assert not CJK.search(err)


def test_a_refused_model_is_not_reported_as_a_target_model_without_a_target(tmp_path, capsys):
    from siting.cli import main

    p = _scenario(tmp_path, '[network]\nsource = "synthetic:n=400,seed=1"\n[categories]\nuse = ["pharmacy"]\n'
                  '[optimize]\nmodel = "maxcover"\np = 2\n')
    assert main(["run", str(p)]) == 2
    err = capsys.readouterr().err
    assert "optimize.model: Input should be" in err and "needs optimize.target" not in err


def test_pydantic_messages_by_type():
    from typing import Literal

    from pydantic import BaseModel, ValidationError

    from siting.standards.pydantic_zh import pydantic_text

    class M(BaseModel):
        model: Literal["target", "max_cover"] = "target"
        p: int = 1

    with pytest.raises(ValidationError) as info:
        M.model_validate({"model": "maxcover", "p": "x"})
    texts = {e["loc"][0]: pydantic_text(dict(e)) for e in info.value.errors()}
    assert texts["model"] == "Input should be 'target' or 'max_cover'"  # pydantic's English as the str
    assert texts["model"].render("zh") == "应为 'target' 或 'max_cover' 之一"
    assert texts["p"].render("zh") == "应为整数"
