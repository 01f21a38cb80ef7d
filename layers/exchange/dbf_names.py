"""Field names for DBF, which allows ten characters: shortened deterministically and uniquely."""

from __future__ import annotations

DBF_NAME_LENGTH = 10


def _squeeze(name: str, limit: int) -> str:
    """Shorten the longest word (the first of equals) one letter at a time until the name fits."""
    words = name.split("_")
    while len("_".join(words)) > limit and max(len(w) for w in words) > 1:
        longest = max(range(len(words)), key=lambda i: (len(words[i]), -i))
        words[longest] = words[longest][:-1]
    squeezed = "_".join(words)
    if len(squeezed) > limit:  # too many one-letter words: drop the separators
        squeezed = "".join(words)
    return squeezed[:limit]


def _unique(candidate: str, taken: set[str], limit: int) -> str:
    if candidate.lower() not in taken:
        return candidate
    for number in range(2, 10**limit):
        suffix = str(number)
        numbered = candidate[: limit - len(suffix)] + suffix
        if numbered.lower() not in taken:
            return numbered
    raise ValueError("no free short name")  # unreachable: a layer has far fewer fields


def short_names(names: list[str], limit: int = DBF_NAME_LENGTH) -> dict[str, str]:
    """Each name mapped to a unique name of at most `limit` characters; names that fit keep theirs."""
    # Names that already fit are reserved first, so a shortened name never takes one of them.
    taken = {n.lower() for n in names if len(n) <= limit}
    result: dict[str, str] = {}
    for name in names:
        if len(name) <= limit:
            result[name] = name
            continue
        short = _unique(_squeeze(name, limit), taken, limit)
        taken.add(short.lower())
        result[name] = short
    return result
