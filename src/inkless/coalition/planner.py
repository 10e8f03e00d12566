"""The letter-exchange planner: the shortest exchange of documents after which every member's
preconditions hold and no member breaks one of its own prohibitions.

Where it sits: it reads the members' rules (:mod:`inkless.coalition.members`) and the documents
already on record (from the ledger), and says who writes what to whom, in which order. The
command signs the result and appends it to the ledger.

Method: breadth-first search over a STRIPS-like state space (Fikes & Nilsson 1971; Russell &
Norvig, *AIMA* 4th ed., §3.4.1 and §11.2). A state is the set of documents on record; an action
writes one document (a reply only once the letter it answers is on record); the goal is that every
precondition is met directly or through an accepted equivalence. All actions cost one, so BFS is
uniform-cost search and the first goal state found is a shortest exchange.

Actions are grounded only where relevant, and none of the restrictions prunes a shortest plan:
- plain letters come from the preconditions' routes (a letter that meets one, or the letter an
  equivalence wants answered); a reply is written only where an equivalence reads it as a reply,
  but then to *any* letter of the right type, author and recipient, on record or written before
  (itself possibly a reply), since a rule reads of the letter answered only those three. Any other
  reply can be written plain instead, and its parent dropped.
- a letter is written only while a precondition it can serve (meet, or be answered so as to meet)
  is unmet: otherwise it, and its replies written plain, could be left out of a shortest plan.
- preconditions are searched separately only when no letter type, author and recipient serves
  two of them (problem decomposition); a letter then changes nothing in another group, so the
  groups' shortest exchanges add up to a shortest one. The state space grows with the largest
  group of entangled rules, not with the coalition's size.
A shortest plan has no idle letter: each meets a precondition or is answered by one that does.

Since documents are never withdrawn and prohibitions do not depend on the state, an exchange
exists exactly when each precondition not already met on record has at least one route that no
prohibition blocks; when one has none, :func:`plan_exchange` names the rules that conflict instead
of searching.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from inkless.errors import InputError

from .members import DocumentType, Member, Precondition, coalition_problems

__all__ = [
    "Letter",
    "Plan",
    "PlanStep",
    "describe_precondition",
    "describe_step",
    "plan_exchange",
    "precondition_met_by",
    "prohibition_of",
]


@dataclass(frozen=True)
class Letter:
    """A document in the abstract: its type, author, recipient and the letter it answers."""

    type: DocumentType
    author: str
    recipient: str
    in_reply_to: Letter | None = None

    def key(self) -> tuple[str, ...]:
        """A total order for deterministic search: recipient, author, type, then the reply."""
        tail = self.in_reply_to.key() if self.in_reply_to is not None else ()
        return (self.recipient, self.author, self.type.value, *tail)

    def thread(self) -> tuple[Letter, ...]:
        """This letter and the letters it answers, back to the first."""
        out = [self]
        while out[-1].in_reply_to is not None:
            out.append(out[-1].in_reply_to)
        return tuple(out)


@dataclass(frozen=True)
class PlanStep:
    """One letter of the exchange.

    ``in_reply_to`` is a step number (1-based) or ``None``; ``answers_record`` is set when it
    answers a letter already on record. ``meets`` lists the preconditions, as ``(member id,
    index in its rules.preconditions)``, this letter meets; ``prepares`` those it meets through
    the reply it asks for.
    """

    step: int
    type: DocumentType
    author: str
    recipient: str
    in_reply_to: int | None
    answers_record: Letter | None
    meets: tuple[tuple[str, int], ...]
    prepares: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Plan:
    """The planner's answer: ``steps`` in order (empty when the record already suffices), or the
    ``conflicts`` that make every exchange impossible (one line per precondition that cannot be
    met). ``states`` is the number of states the search expanded."""

    steps: tuple[PlanStep, ...]
    conflicts: tuple[str, ...]
    states: int

    @property
    def ok(self) -> bool:
        """True when an exchange exists (possibly empty)."""
        return not self.conflicts


def describe_precondition(
    m: Member,
    p: Precondition,
    label: Callable[[str], str] = str,
    with_reason: bool = True,
) -> str:
    """``P requires request_for_support from H (reason)`` — the form used in plans and conflicts.

    ``label`` turns a member id into what the reader may see (e.g. a pseudonym)."""
    who = []
    if p.from_member is not None:
        who.append(label(p.from_member))
    if p.from_role is not None:
        who.append(f"the {p.from_role}" if p.from_member is None else f"as {p.from_role}")
    src = " from " + " ".join(who) if who else ""
    why = f" ({p.reason})" if p.reason and with_reason else ""
    return f"{label(m.id)} requires {p.document.value}{src}{why}"


def describe_step(
    step: PlanStep,
    members: Sequence[Member],
    label: Callable[[str], str] = str,
    with_reason: Callable[[str], bool] = lambda member_id: True,
) -> str:
    """What a step is for, in words: ``meets: P requires ...`` or ``asks for the reply that
    meets: ...``. ``with_reason(member_id)`` says whether that member's legal reasons may be shown.
    """
    by_id = {m.id: m for m in members}
    parts = []
    for verb, goals in (("meets", step.meets), ("asks for the reply that meets", step.prepares)):
        for mid, j in goals:
            m = by_id[mid]
            p = m.rules.preconditions[j]
            text = describe_precondition(m, p, label, with_reason(mid))
            if verb == "meets" and step.type != p.document:
                text += f" (counts as {p.document.value})"
            parts.append(f"{verb}: {text}")
    return "; ".join(parts)


def prohibition_of(author: Member, doc: DocumentType, recipient: Member) -> str | None:
    """The author's own rule that forbids it to issue ``doc`` to ``recipient``, described, or
    ``None`` when it may."""
    for q in author.rules.prohibitions:
        if q.document != doc:
            continue
        if q.to_member is not None and q.to_member != recipient.id:
            continue
        if q.to_role is not None and q.to_role != recipient.role:
            continue
        to = ""
        if q.to_member is not None:
            to = f" to {q.to_member}"
        elif q.to_role is not None:
            to = f" to the {q.to_role}"
        why = f" ({q.reason})" if q.reason else ""
        return f"{author.id} prohibits issuing {doc.value}{to}{why}"
    return None


@dataclass(frozen=True)
class _Goal:
    member: Member
    index: int
    pre: Precondition
    authors: tuple[Member, ...]

    def met(self, state: Iterable[Letter]) -> bool:
        return any(self._meets(d) for d in state)

    def met_by(self, state: Iterable[Letter]) -> Letter | None:
        """The first letter of ``state`` (in :meth:`Letter.key` order) that meets this goal."""
        return next((d for d in sorted(state, key=Letter.key) if self._meets(d)), None)

    def _meets(self, d: Letter) -> bool:
        m, p = self.member, self.pre
        if d.recipient != m.id or d.author not in {a.id for a in self.authors}:
            return False
        if d.type == p.document:
            return True
        for e in m.rules.equivalences:
            if e.counts_as != p.document or e.document != d.type:
                continue
            if e.in_reply_to is None:
                return True
            r = d.in_reply_to
            if r is not None and r.type == e.in_reply_to and r.author == m.id and (
                r.recipient == d.author
            ):
                return True
        return False


def precondition_met_by(
    members: Sequence[Member], member: Member, index: int, letters: Iterable[Letter]
) -> Letter | None:
    """The letter among ``letters`` that meets ``member``'s precondition number ``index``
    (directly or through one of its equivalences), or ``None``. Deterministic: the first in
    :meth:`Letter.key` order."""
    p = member.rules.preconditions[index]
    return _Goal(member, index, p, _authors(members, member, p)).met_by(letters)


def _authors(members: Sequence[Member], m: Member, p: Precondition) -> tuple[Member, ...]:
    return tuple(
        a
        for a in members
        if a.id != m.id
        and (p.from_member is None or a.id == p.from_member)
        and (p.from_role is None or a.role == p.from_role)
    )


def _routes(
    goal: _Goal, on_record: frozenset[Letter]
) -> tuple[list[tuple[Letter, ...]], list[str]]:
    """Unblocked ways to meet ``goal`` (each a chain of the letters to write, first to last; a
    reply may answer a letter ``on_record``) and, for the blocked ones, the rule that blocks
    each."""
    m, p = goal.member, goal.pre
    routes: list[tuple[Letter, ...]] = []
    blocked: list[str] = []
    if not goal.authors:
        blocked.append("no member is such an author")
    for a in goal.authors:
        why = prohibition_of(a, p.document, m)
        if why is None:
            routes.append((Letter(p.document, a.id, m.id),))
        else:
            blocked.append(why)
        for e in m.rules.equivalences:
            if e.counts_as != p.document:
                continue
            reply_why = prohibition_of(a, e.document, m)
            if e.in_reply_to is None:
                if reply_why is None:
                    routes.append((Letter(e.document, a.id, m.id),))
                else:
                    blocked.append(f"{m.id} accepts {e.document.value} instead, but {reply_why}")
                continue
            first_why = prohibition_of(m, e.in_reply_to, a)
            first = Letter(e.in_reply_to, m.id, a.id)
            asked = [r for r in on_record if _sig(r) == _sig(first)]
            if reply_why is None and asked:
                routes += [(Letter(e.document, a.id, m.id, r),) for r in asked]
            if first_why is None and reply_why is None:
                routes.append((first, Letter(e.document, a.id, m.id, first)))
            elif not (reply_why is None and asked):
                blocked.append(
                    f"{m.id} accepts {e.document.value} from {a.id} answering its own "
                    f"{e.in_reply_to.value} instead, but {first_why or reply_why}"
                )
    if not any(e.counts_as == p.document for e in m.rules.equivalences) and goal.authors:
        blocked.append(f"no equivalence of {m.id}'s accepts another document")
    return routes, blocked


def plan_exchange(
    members: Sequence[Member],
    on_record: Iterable[Letter] = (),
    *,
    max_states: int = 200_000,
) -> Plan:
    """The shortest exchange of letters after which every member's preconditions hold.

    ``members`` carry their rules (ids are those used in the rules); ``on_record`` are the letters
    already on record and current (e.g. from the ledger, minus those to renew). Raises
    :class:`InputError` if the rules name unknown members or the search exceeds ``max_states``
    expanded states. Deterministic: ties are broken by :meth:`Letter.key`.
    """
    problems = coalition_problems(members)
    if problems:
        raise InputError(*(f"{_where(members, loc)}: {msg}" for loc, msg in problems))
    ids = [m.id for m in members]
    if len(set(ids)) != len(ids):
        raise InputError("members: ids must be unique; rename the duplicates")
    goals = [
        _Goal(m, j, p, _authors(members, m, p))
        for m in members
        for j, p in enumerate(m.rules.preconditions)
    ]
    start = frozenset(on_record)
    conflicts: list[str] = []
    words = _Vocabulary()
    for gi, g in enumerate(goals):
        if g.met(start):
            continue
        routes, blocked = _routes(g, start)
        if not routes:
            conflicts.append("; ".join([describe_precondition(g.member, g.pre), *blocked]))
        words.add(gi, routes)
    if conflicts:
        return Plan((), tuple(conflicts), 0)

    path: list[Letter] = []
    expanded = 0
    for component in _components(words.serves):
        found, n = _search(start, goals, component, words, max_states - expanded)
        path += found
        expanded += n
    return Plan(_steps(tuple(path), start, goals), (), expanded)


_Sig = tuple[DocumentType, str, str]
"""A letter's type, author and recipient: all that any rule reads of a letter, or of the letter
it answers."""


def _sig(d: Letter) -> _Sig:
    return d.type, d.author, d.recipient


class _Vocabulary:
    """The letters the search may write, from the goals' routes.

    ``plain``: the routes' letters that answer nothing. ``answers``: for the type, author and
    recipient of a letter that a route answers, the types of the replies that may answer it (any
    letter with that signature, on record or written in the plan, even itself a reply, so that one
    letter can meet one precondition and be the letter another's equivalence wants answered).
    ``serves``: for each signature, the goals that a letter with it can meet or be answered so as
    to meet (what a rule reads of a letter is its signature and its parent's)."""

    def __init__(self) -> None:
        self.plain: set[Letter] = set()
        self.answers: dict[_Sig, set[DocumentType]] = {}
        self.serves: dict[_Sig, set[int]] = {}

    def add(self, goal: int, routes: Iterable[tuple[Letter, ...]]) -> None:
        for chain in routes:
            for d in chain:
                if d.in_reply_to is None:
                    self.plain.add(d)
                else:
                    self.answers.setdefault(_sig(d.in_reply_to), set()).add(d.type)
                    self.serves.setdefault(_sig(d.in_reply_to), set()).add(goal)
                self.serves.setdefault(_sig(d), set()).add(goal)

    def letters(self, state: frozenset[Letter], todo: set[int]) -> list[Letter]:
        """The letters not in ``state`` that may be written next and serve a goal in ``todo``,
        in :meth:`Letter.key` order."""
        out = {d for d in self.plain if d not in state}
        for r in state:
            for t in self.answers.get(_sig(r), ()):
                d = Letter(t, r.recipient, r.author, r)
                if d not in state:
                    out.add(d)
        return sorted((d for d in out if self.serves[_sig(d)] & todo), key=Letter.key)


def _components(serves: dict[_Sig, set[int]]) -> list[set[int]]:
    """Groups of goals linked through letter signatures that serve several (union-find). Groups
    that share none are independent: no letter of one changes what another's letters do, so a
    shortest exchange is the union of each group's shortest exchange."""
    parent: dict[int, int] = {g: g for gs in serves.values() for g in gs}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for gs in serves.values():
        first, *rest = sorted(gs)
        for g in rest:
            parent[find(g)] = find(first)
    groups: dict[int, set[int]] = {}
    for i in sorted(parent):
        groups.setdefault(find(i), set()).add(i)
    return sorted(groups.values(), key=min)


def _search(
    start: frozenset[Letter],
    goals: list[_Goal],
    component: set[int],
    words: _Vocabulary,
    budget: int,
) -> tuple[list[Letter], int]:
    """Breadth-first search for the fewest letters that meet every goal in ``component``."""

    def unmet(state: frozenset[Letter]) -> set[int]:
        return {gi for gi in component if not goals[gi].met(state)}

    queue: deque[tuple[frozenset[Letter], tuple[Letter, ...]]] = deque([(start, ())])
    seen = {start}
    expanded = 0
    while queue:
        state, so_far = queue.popleft()
        expanded += 1
        if expanded > budget:
            raise InputError(
                "planner: too many states without a plan; simplify the rules or plan for fewer "
                "members at once"
            )
        for a in words.letters(state, unmet(state)):
            nxt = state | {a}
            if nxt in seen:
                continue
            seen.add(nxt)
            if not unmet(nxt):
                return [*so_far, a], expanded
            queue.append((nxt, (*so_far, a)))
    # cannot happen when every goal has a route; kept as a guard
    raise InputError("planner: no exchange found although every precondition has a route")


def _steps(
    path: tuple[Letter, ...], start: frozenset[Letter], goals: list[_Goal]
) -> tuple[PlanStep, ...]:
    steps: list[PlanStep] = []
    index = {letter: i + 1 for i, letter in enumerate(path)}
    final = start | set(path)
    for i, letter in enumerate(path):
        without = frozenset(d for d in final if letter not in d.thread())
        meets: list[tuple[str, int]] = []
        prepares: list[tuple[str, int]] = []
        for g in goals:
            if not g.met(final) or g.met(without):
                continue
            (meets if letter.recipient == g.member.id else prepares).append((g.member.id, g.index))
        reply = letter.in_reply_to
        steps.append(
            PlanStep(
                step=i + 1,
                type=letter.type,
                author=letter.author,
                recipient=letter.recipient,
                in_reply_to=index.get(reply) if reply is not None else None,
                answers_record=reply if reply is not None and reply not in index else None,
                meets=tuple(meets),
                prepares=tuple(prepares),
            )
        )
    return tuple(steps)


def _where(members: Sequence[Member], loc: tuple[str | int, ...]) -> str:
    if len(loc) > 1 and loc[0] == "members" and isinstance(loc[1], int):
        return f"member {members[loc[1]].id}: " + ".".join(map(str, loc[2:]))
    return ".".join(map(str, loc))
