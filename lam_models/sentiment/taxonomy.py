"""A small keyword taxonomy of financial-news categories, for labelling sentences without annotators.

Why: the category head (issue #14) needs ``text,category`` rows, and Financial PhraseBank
has sentiment labels only. These ordered rules give every sentence one of seven categories; the
first rule whose pattern matches wins, so the order encodes precedence (a sentence about an
analyst's view of earnings is ``analyst``; one about a forecast of sales is ``guidance``).

| category | what it covers | example cue words |
|---|---|---|
| analyst | ratings, target prices, brokers' views | analyst, downgrade, target price, rating |
| legal_regulatory | courts, fines, authorities, permits, competition law | court, lawsuit, fine, regulator, approval |
| m_and_a | acquisitions, mergers, stakes, divestments, bids | acquire, merger, stake, divest, takeover |
| guidance | forward-looking company expectations | expects, forecast, outlook, guidance |
| earnings | reported results: profit, sales, margins, orders | profit, net sales, EBIT, EPS, revenue |
| macro | economy, rates, markets, currencies, commodities | economy, GDP, inflation, interest rate |
| other | everything else (products, contracts, people, plants) | |
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CATEGORIES: tuple[str, ...] = ("earnings", "guidance", "m_and_a", "legal_regulatory", "analyst", "macro", "other")

_RULES: tuple[tuple[str, str], ...] = (
    ("analyst", r"\banalysts?\b|\bdowngrad(?:e|ed|es|ing)\b|\bupgrad(?:ed|es|ing)? (?:to|from)\b|\btarget price|\bprice target|\brating\b|\bratings\b"
                r"|\brecommendation|\boverweight\b|\bunderweight\b|\boutperform|\bunderperform|\bbrokerage"),
    ("legal_regulatory", r"\bcourts?\b|\blawsuits?\b|\bsued\b|\bsuing\b|\blitigation|\bfined?\b|\bpenalt"
                         r"|\bregulat|\bauthorit|\bcompetition (?:authority|office)|\bantitrust|\blegal\b"
                         r"|\bpermits?\b|\blicen[cs]e|\bapproval\b|\bapproved by\b|\bcommission\b|\bdirective"
                         r"|\btax authorit|\binvestigation|\bclaims?\b|\bsettlement\b|\bpatents?\b"),
    ("m_and_a", r"\bacqui(?:re|red|res|ring|sition|sitions)\b|\bmerg(?:e|ed|er|ers|ing)\b|\btakeover|\bbuy(?:s)? out\b"
                r"|\bstake\b|\bdivest|\bbid\b|\btender offer|\bpurchase(?:d|s)? (?:of )?(?:the |a |all )?(?:shares|company|business)"
                r"|\bsold (?:its|the)\b|\bsells? (?:its|the)\b|\bsale of (?:its|the)\b|\bjoint venture|\bholding in\b"),
    ("guidance", r"\bexpects?\b|\bexpected\b|\bexpectations?\b|\bforecasts?\b|\bforecasted\b|\boutlook\b|\bguidance\b"
                 r"|\bestimates?\b|\bestimated\b|\bprojected\b|\banticipat|\bpredict|\bwill (?:grow|increase|decrease"
                 r"|decline|improve|rise|fall|remain)|\bis likely\b|\bpredicted\b|\btarget(?:s|ed)? (?:to|of|is)\b"),
    ("earnings", r"\bprofits?\b|\bnet sales\b|\bsales\b|\brevenues?\b|\bturnover\b|\bebit(?:da)?\b|\beps\b"
                 r"|\bearnings\b|\bnet (?:income|loss|result)\b|\boperating (?:loss|result|income|margin)\b|\bmargins?\b"
                 r"|\bdividend|\border intake\b|\border book\b|\bquarter\b|\bq[1-4]\b|\bresults?\b|\bloss(?:es)?\b"
                 r"|\bcash flow\b|\bper share\b"),
    ("macro", r"\beconom|\bgdp\b|\binflation\b|\binterest rates?\b|\bcentral bank|\becb\b|\bunemployment"
              r"|\bcurrency\b|\bexchange rate|\beuro\b|\bdollar\b|\brecession|\bstock markets?\b"
              r"|\bindex\b|\bhelsinki stock exchange\b|\bomx\b|\bprices? of (?:oil|steel|pulp|paper|metals?)"
              r"|\boil prices?\b|\bdemand\b|\bindustry\b"),
)
_COMPILED = tuple((category, re.compile(pattern, re.IGNORECASE)) for category, pattern in _RULES)


def label_category(text: str) -> str:
    """The category of one sentence: the first rule that matches, else ``other``."""
    for category, pattern in _COMPILED:
        if pattern.search(text):
            return category
    return "other"


def label_categories(texts: Iterable[str]) -> list[str]:
    """:func:`label_category` for every text, in order."""
    return [label_category(t) for t in texts]
