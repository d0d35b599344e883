"""Which submissions share unusually much code beyond the stubs (instructor).

The comparison itself is copydetect's (winnowed fingerprints of the tokenized
code, Stanford MOSS's method): every exercise file of a student is compared
with the same file of every other student, and any fingerprint that also
occurs in the stub or in the reference solution is ignored: neither the code
every student starts from nor the standard solution counts, so two students who
both write the standard solution are not a copied pair. Names, strings and comments do not matter to it: renaming variables
does not hide a copy.

A pair's similarity is the larger of its two directional scores, where a
student's score is the share of that student's own code beyond the stubs, over
all exercise files, that copydetect found in the other student's same files.
"""
import contextlib
import io
import logging
import shutil
from pathlib import Path

from course_core import assignments, tempfiles

from . import tables

# Only the exercise files take part: not __init__.py, not the public tests, nothing else a folder holds.


def exercise_files(assignment):
    """The exercise files of an assignment (its table), in its order: what is compared."""
    return tuple(e.file for e in assignment.exercises)

# copydetect's defaults: the shortest match that counts (noise) and the shortest one that is always found
# (guarantee), in characters of tokenized code, where every name is one letter.
NOISE_T = 25
GUARANTEE_T = 25


class _DropCopydetectLogs(logging.Filter):
    def filter(self, record):
        return "copydetect" not in Path(record.pathname).parts


@contextlib.contextmanager
def _silenced(quiet):
    """copydetect prints, draws tqdm bars and logs to the root logger: keep all of it off the terminal."""
    if not quiet:
        yield
        return
    root, drop = logging.getLogger(), _DropCopydetectLogs()
    root.addFilter(drop)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        root.removeFilter(drop)


def _copy_exercise_files(src: Path, dest: Path, files) -> int:
    """Copy the exercise files `files` of `src` (regular files only) into `dest`; return how many there were."""
    n = 0
    for name in files:
        file = Path(src) / name
        if file.is_file() and not file.is_symlink():
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, dest / name)
            n += 1
    return n


def _import_copydetect():
    try:
        from copydetect import CopyDetector
    except ImportError as exc:  # an optional dependency: pip install 'course[instructor]'
        raise ImportError(
            f"similarity needs copydetect ({exc}): pip install 'course[instructor]' or pip install copydetect") from None
    return CopyDetector


def similar_pairs(submissions: dict, stub_dir: Path, threshold: float = 0.5, out_html: Path | None = None, *,
                  reference_dir: Path | None = None, quiet: bool = True, noise_t: int = NOISE_T,
                  guarantee_t: int = GUARANTEE_T, assignment=None) -> list:
    """The pairs of submissions whose similarity beyond the stubs and the reference is at least `threshold`,
    most similar first.

    `submissions` maps a student id to that student's assignment folder (the folder holding the exercise files).
    Each pair is {"a", "b", "similarity", "similarity_a", "similarity_b", "overlap_tokens", "files",
    "file_similarity"}: `similarity_a` is the share of a's code beyond the boilerplate found in b's files (and
    `similarity_b` the other way round), `similarity` the larger of the two, `files` the exercise files whose
    own similarity reaches `threshold`, most similar first, and `file_similarity` every overlapping file's.
    Writes the report page (similarity_page.py) to `out_html` if given.
    Fewer than two submissions with exercise files give no pairs (and a page that says so).
    assignment: the table of the assignment compared (default: the one the stubs' folder is named after).
    """
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    from .similarity_page import write_page

    table = assignment or assignments.get(Path(stub_dir).name)
    files = exercise_files(table)

    with tempfiles.folder("similarity") as root:
        boilerplate = []
        for name, folder in (("stubs", stub_dir), ("reference", reference_dir)):
            if folder is not None and _copy_exercise_files(Path(folder), root / name, files):
                boilerplate.append(str(root / name))
        # Each student's files in a folder of its own, named by position so that any id is a safe name.
        folders = {}
        for n, (student, folder) in enumerate(sorted(submissions.items(), key=lambda kv: str(kv[0]))):
            dest = root / "students" / f"s{n:05d}"
            if _copy_exercise_files(Path(folder), dest, files):
                folders[str(dest)] = str(student)
        if len(folders) < 2:
            if out_html is not None:
                write_page(Path(out_html), sorted(folders.values()), [], [], threshold, table)
            return []

        with _silenced(quiet):  # importing matplotlib may print too (building its font cache)
            CopyDetector = _import_copydetect()
            detector = CopyDetector(
                test_dirs=sorted(folders), boilerplate_dirs=boilerplate, extensions=["py"],
                noise_t=noise_t, guarantee_t=guarantee_t, display_t=threshold,
                same_name_only=True,  # attention.py with attention.py only
                ignore_leaf=True,  # never a student with themselves
                autoopen=False, silent=quiet, out_file=str(root / "report.html"))
            detector.test_files.sort()  # copydetect lists them in no order
            detector.ref_files.sort()
            detector.run()
        pairs = _pairs(detector, folders, threshold, files)
        if out_html is not None:  # the page pictures every pair that shares anything, and lists the flagged files
            write_page(Path(out_html), sorted(folders.values()), _pairs(detector, folders, 0.0, files),
                       _flagged_files(detector, folders, threshold, files), threshold, table)
    return pairs


def _owner(folders, path):
    return folders[str(Path(path).parent)]


def _segments(code, slices):
    """code as [(text, copied?)], from copydetect's character slices of the copied parts."""
    out, at = [], 0
    for start, end in zip(*(map(int, row) for row in slices)) if len(slices) else ():
        out += [(code[at:start], False), (code[start:end], True)]
        at = end
    return [s for s in out + [(code[at:], False)] if s[0]]


def _flagged_files(detector, folders, threshold, files):
    """[{exercise, a, b, similarity_a, similarity_b, code_a, code_b}] of the file pairs at or above threshold,
    the code as _segments, in exercise order, then most similar first."""
    flagged = []
    for (test_f, ref_f), (slices_test, slices_ref) in detector.slice_matrix.items():
        i, j = detector.test_files.index(test_f), detector.ref_files.index(ref_f)
        sim_test, sim_ref = (min(float(x), 1.0) for x in detector.similarity_matrix[i, j])
        if max(sim_test, sim_ref) < threshold or max(sim_test, sim_ref) <= 0 or not len(slices_test[0]):
            continue
        (a, fa, sa, ca), (b, fb, sb, cb) = sorted([
            (_owner(folders, test_f), test_f, sim_test, slices_test), (_owner(folders, ref_f), ref_f, sim_ref, slices_ref)])
        flagged.append({"exercise": Path(fa).stem, "a": a, "b": b, "similarity_a": sa, "similarity_b": sb,
                        "code_a": _segments(detector.file_data[fa].raw_code, ca),
                        "code_b": _segments(detector.file_data[fb].raw_code, cb)})
    unique = {(f["exercise"], f["a"], f["b"]): f for f in flagged}.values()  # copydetect may hold a pair both ways
    return sorted(unique, key=lambda f: (files.index(f["exercise"] + ".py"),
                                         -max(f["similarity_a"], f["similarity_b"]), f["a"], f["b"]))


def _pairs(detector, folders, threshold, exercise_files):
    def owner(path):
        return _owner(folders, path)

    coverage = {}  # student -> tokens of code beyond the stubs, over all their exercise files
    for path, fingerprint in detector.file_data.items():
        coverage[owner(path)] = coverage.get(owner(path), 0.0) + float(fingerprint.token_coverage)
    overlap = {}  # (a, b) with a < b -> {file: [tokens of a found in b, tokens of b found in a, sim a, sim b]}
    matrix = detector.similarity_matrix
    for i, test_f in enumerate(detector.test_files):
        for j, ref_f in enumerate(detector.ref_files):
            sim_test, sim_ref = (float(x) for x in matrix[i, j])
            if sim_test <= 0 and sim_ref <= 0:  # -1: not compared; 0: nothing shared
                continue
            a, b = owner(test_f), owner(ref_f)
            if a > b:
                continue  # every pair is there both ways
            cov_a = float(detector.file_data[test_f].token_coverage)
            cov_b = float(detector.file_data[ref_f].token_coverage)
            sim_a, sim_b = min(sim_test, 1.0), min(sim_ref, 1.0)
            if not sim_a * cov_a and not sim_b * cov_b:
                continue  # no code beyond the boilerplate in common
            overlap.setdefault((a, b), {})[Path(test_f).name] = [sim_a * cov_a, sim_b * cov_b, sim_a, sim_b]
    pairs = []
    for (a, b), files in overlap.items():
        tokens_a = sum(v[0] for v in files.values())
        tokens_b = sum(v[1] for v in files.values())
        sim_a = float(tokens_a / coverage[a]) if coverage[a] else 0.0
        sim_b = float(tokens_b / coverage[b]) if coverage[b] else 0.0
        similarity = max(sim_a, sim_b)
        if similarity < threshold or similarity == 0:
            continue
        per_file = {f: max(v[2], v[3]) for f, v in files.items()}
        ranked = sorted(per_file, key=lambda f: (-per_file[f], exercise_files.index(f)))
        pairs.append({
            "a": a, "b": b,
            "similarity": round(similarity, 4),
            "similarity_a": round(sim_a, 4), "similarity_b": round(sim_b, 4),
            "overlap_tokens": int(round(max(tokens_a, tokens_b))),
            "files": [f for f in ranked if per_file[f] >= threshold] or ranked[:1],
            "file_similarity": {f: round(float(per_file[f]), 4) for f in ranked},
        })
    pairs.sort(key=lambda p: (-p["similarity"], p["a"], p["b"]))
    return pairs


def _pct(x):
    return f"{100 * x:.0f}%"


def format_pairs(pairs: list, threshold: float = 0.5) -> str:
    """A table of the pairs: student a, student b, similarity %, and the files that overlap most."""
    if not pairs:
        return f"no pair shares more than {_pct(threshold)} beyond the stubs and the reference"
    rows = []
    for p in pairs:
        files = ", ".join(f"{f} {_pct(p['file_similarity'][f])}" for f in p["files"])
        rows.append([p["a"], p["b"], _pct(p["similarity"]), files])
    return tables.render(["student a", "student b", "similarity", "files"], rows)
