"""The text side of question labelling: speech clean-up, sentences, hand-made features, rules.

Transcripts are written the way speech recognition writes them: lower or mixed case, no or
wrong punctuation, fillers and restarts ("um so what what do you think"), run-ons with a
statement before the question. ``normalise`` turns any of that into one canonical form before
the rules, the features and the models see it: lower case, straight apostrophes (put back in
contractions written without them: "whats", "doesnt"), fillers dropped, immediate repeats of
one to three words said once, leading discourse markers ("so", "okay", "and", "now") dropped
while at least two words remain. It never changes a label under ``docs/question-labels.md``:
fillers and restarts are not part of what is asked.

``question_start`` finds where the question begins inside a run-on ("we planted these last
week what do you notice about them now" -> word 5), so a question is timed by its own words.
"""

from __future__ import annotations

import re
from itertools import pairwise

AUX = set(
    "is are am do does did can will was were have has had should would could may might shall "
    "isn't aren't don't doesn't didn't can't won't wasn't weren't haven't hasn't shouldn't wouldn't couldn't".split()
)
WH = set("what why how where when who which whose whom what's who's where's how's".split())
FILLERS = set("um umm uh uhh er erm em mm hm mhm ah".split())
_MARKERS = set("so okay ok and but now well alright right then like yeah yes oh".split())
_SUBJECTS = "you|it|we|they|he|she|i|this|that|these|those|there|everyone|anyone|somebody|someone"
_TELL = re.compile(
    r"^(can|could|would|will) you (please )?(tell|explain|describe|show me how|talk|walk (me|us) through|say more)\b"
)
_HOW_QUANT = re.compile(r"\bhow (many|much|old|long|far|tall|big)\b")
_WHY_LATER = re.compile(r".\b(why|how do you know|how did you know|what makes you (say|think))\b")
_MID_FRAME = re.compile(
    r"\b(what|why|how|where|who|which|when) (do|does|did|is|are|was|were|can|could|will|would|should|might) "
    r"(you|it|we|they|he|she)\b|\b(do|does|did|is|are|was|were|have|has) (you|it|we|they|he|she)\b"
)
_FACT_NOUN = re.compile(
    r"^(what|which)('s| is| was)? (the )?(colou?r|shape|animal|number|letter|sound|year|time|part|day|month|word|name"
    r"|planet|state|title|opposite|plural|value|area|perimeter|volume|capital)\b"
)
_MODAL_OTHER = re.compile(r"^(can|could|will|would|should|may|might) (a|an|the|it|they|he|she|this|that|these|those)\b")
_NEGATIVE_AUX = (
    "(isn't|aren't|doesn't|don't|didn't|wasn't|weren't|won't|can't|haven't|hasn't|couldn't|wouldn't|shouldn't)"
)
_TAG_END = re.compile(rf"\b({_NEGATIVE_AUX}|is|are|does|do|did|was|were|will|can|has|have) ({_SUBJECTS})\W*$")
_EMBEDDED = re.compile(
    r"\b(i wonder|i'm curious|i am curious|i want to know|i'd like to know|tell me) (why|how|what|if|whether|where|who|which)\b"
)
# Where a question starts inside a run-on: a wh-word or an auxiliary followed by a subject.
_ONSET = re.compile(
    rf"\b((what|why|how|where|who|which|when)('s)?|(do|does|did|is|are|was|were|can|could|will|would|have|has)"
    rf" ({_SUBJECTS}))\b"
)
_SENTENCES = re.compile(r"(?<=[.?!])\s+")
WORD = re.compile(r"[a-z0-9']+")
# Contractions as recognisers without apostrophes write them ("whats", "doesnt"); only words
# that are no other English word ("its", "well", "were", "id" are, so they stay as written).
_CONTRACTED = {
    word.replace("'", ""): word
    for word in (
        "what's how's where's who's that's there's isn't aren't doesn't don't didn't can't won't wasn't weren't"
        " haven't hasn't couldn't wouldn't shouldn't you're they're i'm i've you've we've they've you'll they'll"
        " what're who're"
    ).split()
}


def _bare(token: str) -> str:
    return token.strip(".,?!;:\"'()").lower()


def _uncontracted(token: str, first: bool) -> str:
    """``token`` with a contraction's apostrophe put back ("whats?" -> "what's?"); "lets" only
    when it opens the utterance ("lets go" is "let's go", "it lets light in" is not)."""
    word = token.rstrip(".,?!;:")
    if first and word == "lets":
        return "let's" + token[len(word) :]
    return _CONTRACTED.get(word, word) + token[len(word) :]


def normalise(text: str) -> str:
    """Canonical form of an utterance: lower case, fillers and restarts gone (see the module doc)."""
    tokens = text.lower().replace("\u2019", "'").replace("\u2018", "'").split()
    tokens = [_uncontracted(t, first=i == 0) for i, t in enumerate(tokens)]
    tokens = [t for t in tokens if _bare(t) not in FILLERS or len(tokens) == 1]
    tokens = [t.rstrip(",") if i + 1 < len(tokens) and _bare(t) in FILLERS else t for i, t in enumerate(tokens)]
    for n in (3, 2, 1):  # "is it is it heavier" -> "is it heavier", "what what" -> "what"
        i = 0
        while i + 2 * n <= len(tokens):
            if [_bare(t) for t in tokens[i : i + n]] == [_bare(t) for t in tokens[i + n : i + 2 * n]]:
                del tokens[i : i + n]
            else:
                i += 1
    while len(tokens) > 2 and _bare(tokens[0]) in _MARKERS and not tokens[0].endswith(("?", ".", "!")):
        tokens = tokens[1:]
    return " ".join(tokens)


def strip_punctuation(text: str) -> str:
    """``text`` as recognisers without punctuation write it: lower case, no . , ? ! ; :"""
    return " ".join(re.sub(r"[.,?!;:\"]", " ", text.lower()).split())


def sentences(text: str) -> list[str]:
    """The sentences of normalised text, split at end punctuation."""
    return [s for s in _SENTENCES.split(text) if s.strip(" .?!")]


def questions_in(text: str) -> list[str]:
    """``sentences``; text with no end punctuation is split where a second question surely
    starts (``_second_questions``), as if a "?" stood there ("is it heavy how do you know")."""
    if re.search(r"[.?!]\s", text):
        return sentences(text)
    words = text.split()
    cuts = [0, *_second_questions(words), len(words)]
    return [" ".join(words[a:b]) for a, b in pairwise(cuts) if a < b]


# No second question starts right after these: a verb whose object the wh-clause is ("do you
# know where the river is", "can you tell me what is a noun"), a subject ("if we do it again")
# or a conjunction ("…or do you want the other one").
_NOT_BEFORE_A_QUESTION = set(
    "know tell me us remember think guess see wonder notice say ask mean sure show find out"
    " i you we they he she if when that or and because so than".split()
)


def opens_as_question(text: str) -> bool:
    """Whether normalised ``text`` starts with an auxiliary or a wh-word."""
    first = WORD.findall(text)[:1]
    return bool(first) and (first[0] in AUX or first[0] in WH)


def _sure_onsets(bare: list[str]) -> set[int]:
    """Words where a question surely starts: an auxiliary before a subject, or a wh-word with an
    auxiliary (or 's) after it; a bare wh-word may start a clause inside a question."""
    lowered = " ".join(bare)
    onsets = {lowered[: m.start()].count(" ") for m in _ONSET.finditer(lowered)}
    return {i for i in onsets if bare[i] in AUX or bare[i].endswith("'s") or (i + 1 < len(bare) and bare[i + 1] in AUX)}


def _second_questions(words: list[str]) -> list[int]:
    """In unpunctuated text that opens with a question ("did you like it what did you like
    about it"), the words where a further question surely starts: three words or more on each
    side, and not right after a word it continues (``_NOT_BEFORE_A_QUESTION``)."""
    bare = [_bare(w) for w in words]
    if not opens_as_question(" ".join(bare)):
        return []
    sure = _sure_onsets(bare)
    cuts: list[int] = []
    for i in sorted(sure):
        if i - 1 in sure:  # "what do you": one onset, at "what"
            continue
        if i - (cuts[-1] if cuts else 0) >= 3 and len(words) - i >= 3 and bare[i - 1] not in _NOT_BEFORE_A_QUESTION:
            cuts.append(i)
    return cuts


def question_start(text: str) -> int:
    """Index of the word where the last question of a run-on begins (0 when it begins at once).

    Only a statement of three words or more before the question counts, and only when the text
    has no sentence punctuation of its own, so punctuated text and short lead-ins keep word 0.
    """
    words = text.split()
    if len(words) < 6 or re.search(r"[.?!]\s", text):
        return 0
    bare = [_bare(w) for w in words]
    lowered = " ".join(bare)
    onsets = {lowered[: m.start()].count(" ") for m in _ONSET.finditer(lowered)}
    if not onsets or 0 in onsets:
        return 0
    # A bare wh-word may open a clause inside the question ("what were you thinking about
    # when you painted this"), so it counts only when no surer onset is there.
    start = max(_sure_onsets(bare) or onsets)
    while start - 1 in onsets:  # "what do you": the question starts at "what", not at "do you"
        start -= 1
    return start if start >= 3 and len(words) - start >= 3 else 0


def features(text: str) -> dict:
    """Hand-made features of one utterance, for a ``DictVectorizer``."""
    text = normalise(text)
    parts = sentences(text) or [""]
    start = question_start(text)
    if start:
        parts = [" ".join(text.split()[:start]), " ".join(text.split()[start:])]
    first, last = parts[0], parts[-1]
    words, last_words = WORD.findall(first), WORD.findall(last)
    w1 = words[0] if words else ""
    w2 = words[1] if len(words) > 1 else ""
    feats = {f"rule={name}": 1 for name, *_ in rule_hits(parts)}
    feats |= {
        f"w1={w1}": 1,
        f"w12={w1} {w2}": 1,
        f"last_w1={last_words[0] if last_words else ''}": 1,
        f"last_w12={' '.join(last_words[:2])}": 1,
        "aux_open": int(w1 in AUX),
        "wh_open": int(w1 in WH),
        "wh_any": int(any(w in WH for w in WORD.findall(text))),
        "any_aux_open": int(any((WORD.findall(s) or [""])[0] in AUX for s in parts)),
        "any_wh_open": int(any((WORD.findall(s) or [""])[0] in WH for s in parts)),
        "ends_q": int(text.endswith("?")),
        "has_q": int("?" in text),
        "run_on_question": int(bool(start)),
        "tell_request": int(bool(_TELL.match(first))),
        "how_quant": int(bool(_HOW_QUANT.search(text))),
        "what_do_you_think": int("what do you think" in text),
        "choice_or": int(" or " in text),
        "why_later": int(bool(_WHY_LATER.search(text))),
        "mid_frame": int(w1 not in AUX | WH and bool(_MID_FRAME.search(text))),
        "how_quant_open": int(bool(_HOW_QUANT.match(first))),
        "fact_noun": int(bool(_FACT_NOUN.match(last))),
        "modal_other": int(bool(_MODAL_OTHER.match(first))),
        "tag_end": int(w1 not in AUX | WH and bool(_TAG_END.search(text))),
        "embedded": int(bool(_EMBEDDED.search(text))),
        "short": int(len(WORD.findall(text)) <= 2),
    }
    return feats


def word_errors(said: str, heard: str) -> tuple[int, int]:
    """(word edits from ``said`` to ``heard``, words said): the two parts of a word error rate."""
    a, b = WORD.findall(said.lower()), WORD.findall(heard.lower())
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1], len(a)


def feature_dicts(texts) -> list[dict]:
    return [features(t) for t in texts]


def rule_hits(parts: list[str]):
    """``(name, label, match)`` for each rule that matches a sentence, in rule order."""
    for name, label, where, pattern in RULES:
        for i, sentence in enumerate(parts):
            match = pattern.search(sentence)
            if match and (where == "any" or (where == "later" and i > 0) or (where == "last" and i == len(parts) - 1)):
                yield name, label, match


def rule(text: str) -> tuple[str, str, str] | None:
    """``(rule name, label, matched words)`` of the first rule that decides normalised ``text``."""
    for name, label, match in rule_hits(questions_in(text)):
        return name, label, " ".join(match.group(0).split()[:3])
    return None


_ASK_VERBS = "tell|explain|describe|show|talk|say|think|remember|see|hear|imagine|guess|believe|like|know|be|have|feel"
_WH_OPEN = r"(what|why|how|who|where|which|when)\b"
# "Who wants to…" and "who's ready to…" call on someone; they ask something only when what
# follows asks the caller to say something ("who wants to tell me why…"): the model decides those.
_SHARE_VERBS = "tell|explain|share|say|guess|answer|describe|show|predict|think"
# The same tag with no comma before it ("you hooked the caboose on the end right", as
# recognisers write it): a statement (no auxiliary or wh-word first, no wh-word anywhere) whose
# last word is not "right" as a place or a verdict ("to the right", "exactly right", "got it right").
_AUX_OR_WH = "|".join(sorted(AUX)) + "|what|why|how|who|where|which|when"
_WH_ANY = r"(what|why|how|who|who's|where|which|when)"
_NOT_AN_OBJECT = "".join(
    rf"(?<!\b{word} )"
    for word in (
        "exactly just all the to your my his her their our its it that this them on turn go keep move step look"
        " is are was were be that's you're it's then and or left straight"
    ).split()
)
# "I wonder why the ice melted": wondering aloud about what the class sees, with nothing after
# it, invites the children to think (OEQ). Not "I wonder if…" (a musing, NQ), not "I wonder how
# many…" (a count), not one about the speaker's own things ("I wonder where I put my glasses";
# "ill" and "id" are I'll and I'd without apostrophes), not one the speaker goes on to answer or
# comment on (a sentence or clause after it, "probably", "honestly", "but…"): those stay with
# the model (docs/question-labels.md).
_WONDER = (
    r"^i wonder (why|how|what|where|who|which|when)\b(?! (many|much|old|long|far|tall|big)\b)"
    r"(?!.*\b(i|my|me|mine|i'll|i've|i'm|i'd|ill|id|but|honestly|probably|maybe|anyway|though)\b)[^,]*$"
)
# "Do you think it will float?" on its own asks yes or no (CEQ); "do you think you could
# explain…" invites an explanation, and a "why", "how" or "what" in the same sentence ("do you
# think it will float why") makes it open: those stay with the model.
_THINK_YES_NO = r"^do you think (?!(you|we) (could|can|would|might)\b)(?!.*\b(why|how|what|explain|describe)\b).*$"
# High-precision rules, tried in order before the model on each sentence of the normalised text:
# (name for the cue, label, which sentences: any, later (not the first) or last, pattern).
RULES = [
    ("elaboration prompt", "OEQ", "any", r"^(tell me|tell us|explain|describe|walk me through|talk me through|justify)\b(?! (if|whether)\b)"),
    ("elaboration prompt", "OEQ", "any", r"^(can|could|would|will) you (please )?(walk|talk) (me|us) through\b"),
    ("elaboration prompt", "OEQ", "any", r"^(do|would) you (want|like) to (tell (me|us) (about|how|why|what)|explain|describe)\b"),
    ("asks for the reason too", "OEQ", "any", r"(,|\band) (why|why not|how do you know|how did you know|what makes you (say|think)( that| so)?)\W*$|\bhow come\W*$"),
    ("follow-up 'why'", "OEQ", "later", r"^(why( not| or why not)?|how come|how do you know|how can you tell|what makes you (say|think) (that|so))\?*$"),
    ("comparison", "OEQ", "any", r"^(what's|what is|what are) (the )?(same|different|difference|differences|similar)\b|^how (is|are) .* (alike|different|the same|similar)\b"),
    ("wondering aloud with the class", "OEQ", "last", _WONDER),
    ("request phrased as a question", "NQ", "any", rf"^(can|could|will|would) (you|every\w+|some\w+|we|i)( all| please)* (?!({_ASK_VERBS}|rather|prefer)\b)\w+"),
    ("turn cue", "NQ", "any", rf"^(who's|who is|who wants|who would like) (ready )?to (?!({_SHARE_VERBS})\b)\w+"),
    ("suggestion", "NQ", "any", r"^(why don't (you|we)|why not (let|try|have|use|give|ask|start|make)|how about|let's|let us)\b"),
    ("exclamation", "NQ", "any", r"^what an? (\w+ ){0,2}(you|we|they|he|she|i)\b"),
    ("naming question", "CEQ", "any", r"^what (do|does|did) (you|we|they|people) call\b"),
    ("yes/no 'do you think'", "CEQ", "any", _THINK_YES_NO),
    ("naming question", "CEQ", "any", r"^how (do|does|did) (you|we|they|people|i) (spell|pronounce)\b"),
    ("cue or filler", "NQ", "any", r"^(okay|ok|ready|got it|all right|alright|right|mm-hm|hmm)\W*$"),
    ("tag question", "CEQ", "any", rf"^(?!{_WH_OPEN})\S+ .*, ({_NEGATIVE_AUX} ({_SUBJECTS})|right|correct)\W*$"),
    ("tag question", "CEQ", "any", rf"^(?!({_AUX_OR_WH})\b)(?!.*\b{_WH_ANY}\b)\S+ [^,]*\b{_NOT_AN_OBJECT}({_NEGATIVE_AUX} ({_SUBJECTS})|right|correct)\W*$"),
]  # fmt: skip
RULES = [(name, label, where, re.compile(pattern)) for name, label, where, pattern in RULES]
BASELINE = [
    ("request opener", "NQ", r"^(can you|could you|will you|would you|please|let's)\b"),
    ("open opener", "OEQ", r"^(why|how|what do you think|tell me|describe|explain)\b"),
    ("auxiliary opener", "CEQ", r"^(is|are|do|does|did|can|will|was|were|have|has|should|would|could)\b"),
    ("question mark", "CEQ", r"\?$"),
]
