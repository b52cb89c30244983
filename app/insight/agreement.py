"""How well two sets of labels agree: the machine's question types against a person's, or
a supervisor's corrections against the machine's labels.

Plain Python over label strings, so that the product, the tests and the benchmark count
agreement the same way.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LabelScores:
    precision: float  # of the items given this label, the share that had it
    recall: float  # of the items that had this label, the share given it
    f1: float
    support: int  # how many items had this label


def labels_of(truth: Sequence[str], predicted: Sequence[str]) -> list[str]:
    """Every label either side used, in the order first seen (truth first)."""
    return list(dict.fromkeys([*truth, *predicted]))


def check_pairs(a: Sequence[object], b: Sequence[object]) -> None:
    if len(a) != len(b):
        raise ValueError(f"two label lists of different lengths: {len(a)} and {len(b)}")


def precision_recall_f1(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, LabelScores]:
    """Per label; a label never given (or never true) scores 0, as it cannot be credited."""
    check_pairs(truth, predicted)
    labels = list(labels) if labels is not None else labels_of(truth, predicted)
    hits = Counter(t for t, p in zip(truth, predicted, strict=True) if t == p)
    given = Counter(predicted)
    true = Counter(truth)
    scores = {}
    for label in labels:
        precision = hits[label] / given[label] if given[label] else 0.0
        recall = hits[label] / true[label] if true[label] else 0.0
        both = precision + recall
        f1 = 2 * precision * recall / both if both else 0.0
        scores[label] = LabelScores(precision, recall, f1, true[label])
    return scores


def macro_f1(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> float:
    """The mean of the labels' F1, each label counting the same however rare."""
    scores = precision_recall_f1(truth, predicted, labels)
    return sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0


def confusion_matrix(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    """Rows: the true label; columns: the label given, both in the order of `labels`."""
    check_pairs(truth, predicted)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t]][index[p]] += 1
    return matrix


def cohens_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Agreement beyond chance, (observed - expected) / (1 - expected), where expected is
    what two raters with these label frequencies would agree by chance.

    Where chance agreement is certain (both used one and the same label throughout) kappa is
    undefined; that is full agreement, so 1.0. No items: ValueError.
    """
    check_pairs(a, b)
    if not a:
        raise ValueError("Cohen's kappa of no items")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1:
        return 1.0
    return (observed - expected) / (1 - expected)


def weighted_kappa(a: Sequence[int], b: Sequence[int], levels: Sequence[int]) -> float | None:
    """Cohen's kappa with quadratic weights, for ordered levels (a scale's 1..n): a
    disagreement of two levels weighs four times one of a single level, so near misses count
    as partly agreeing. 1 - sum(w * observed) / sum(w * expected), as scikit-learn's
    `cohen_kappa_score(a, b, labels=levels, weights="quadratic")` counts it.

    None where it is undefined: no pairs, or chance disagreement of nothing (both always gave
    one and the same level; scikit-learn answers nan there).
    """
    check_pairs(a, b)
    if not a:
        return None
    index = {level: i for i, level in enumerate(levels)}
    k, n = len(levels), len(a)
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        observed[index[x]][index[y]] += 1
    rows = [sum(r) for r in observed]
    columns = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    weighted_observed = weighted_expected = 0.0
    for i in range(k):
        for j in range(k):
            weight = (i - j) ** 2
            weighted_observed += weight * observed[i][j]
            weighted_expected += weight * rows[i] * columns[j] / n
    if weighted_expected == 0:
        return None
    return 1 - weighted_observed / weighted_expected
