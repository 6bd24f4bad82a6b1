"""The daily rules: each written once, as a small function of arrays, element by element.

A user's day (:meth:`~sim.model.migration.MigrationModel.step`): the ban threat fades
(:func:`fade_threat`); look around at the :func:`search_rate`; sign up to a platform with
:func:`sign_up_chance`; go dormant at the :func:`churn_hazard` (the sum of the base, trial,
language, moderation and threshold hazards; every hazard while an account is new, only the base
hazard once it is settled: :func:`newcomer_since`; never on the day it was made:
:func:`can_go_dormant`); come back to a dormant account with :func:`return_chance`; take as main
app the most attractive platform one uses (:func:`prefers`); open each app with
:func:`open_chance`, and any app signed up to that day (:func:`opens`). What a user wants is the
attractiveness of each platform, the sum of the pulls (:func:`sim.model.motives.attractiveness`);
a platform's *gap* is how far it lags the user's best.

Every function is element-wise: its arguments broadcast, so the same function gives the fast
model's answer for a block of users (:mod:`sim.model.columns`) and the plain-Mesa reference's for
one user's row (:mod:`sim.model.reference`). Arrays are float32; scenario numbers are cast to
float32, so that both get the same numbers. Names: ``rates`` is the scenario's ``[dynamics]``,
``weights`` its ``[motives]``, ``users`` anything with the users' trait arrays, ``platforms``
anything with the platforms' arrays (all platforms, or one column), ``today``
(:class:`~sim.model.motives.Today`) what users see today.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim.model.kernels import at_least_once, at_most
from sim.model.motives import fading

# Numbers fixed by the form of the rules, not by the data (each a cap that keeps exp() finite).
LEAD_CAP = np.float32(20.0)  # the sign-up lead is capped at e^20: beyond, the chance is 1 anyway
RETURN_GAP_CAP = np.float32(30.0)  # gaps above this give a return chance of 0 to float32 rounding
TRIAL_DAYS = 90  # an account made during the run is on trial this long (threshold churn applies)
TRIAL_GAP_CAP = np.float32(3.0)  # a trial account 3 log-odds (20×) below the best: as good as gone
USUAL_DAYS = 30.0  # memory of a platform's usual sign-up level (the charts compare with a month)
EARLIEST_DAY = int(np.iinfo(np.int16).min)  # joined_day is int16: no account is older than this
MAIN_APP_GAP = np.float32(0.0)  # the main app is the user's best: it lags nothing


def f32(value) -> np.float32:
    """A scenario number as the rules compute with it."""
    return np.float32(value)


# --- the ban threat ------------------------------------------------------------------------------


def fade_threat(rates, threat: float) -> float:
    """Summary of rule: with no news, the ban threat fades by e every ``threat_decay_days`` (0
    keeps it as it is until an event sets it)."""
    if rates.threat_decay_days <= 0:
        return threat
    return threat * float(np.exp(-1.0 / rates.threat_decay_days))  # a day's fading


def news(rates, news_before: float, threat_before: float, threat: float) -> float:
    """Summary of rule: a rise of the ban threat is news that fades by e every ``news_days``:
    today's news is yesterday's, faded, plus today's rise (a fall is no ultimatum)."""
    faded = news_before * float(np.exp(-1.0 / rates.news_days))  # yesterday's news, a day older
    return faded + max(threat - threat_before, 0.0)  # and today's rise


# --- looking around and signing up -------------------------------------------------------------


def search_rate(rates, motive_push, threat, strongest_buzz, on_threatened, on_dark,
                threat_news=0.0):
    """Summary of rule: a user looks for another platform at search_rate × push, where the push is
    1 plus the motives' pushes, the ban's push on users of a threatened app (its level, the news
    of its rise and of the exodus) and the outage's push on users of a dark one.

    Args:
        motive_push: the users' pushes by motive at a ban threat of 1 (N;
            :func:`sim.model.motives.push`).
        threat: perceived probability that the ban takes the threatened apps away (0..1).
        threat_news: the recent rises of the threat, fading (:func:`news`).
        strongest_buzz: the highest trending term among the platforms today.
        on_threatened, on_dark: whether each user's primary platform is threatened / dark (N).
    """
    push = motive_push * f32(threat)  # fear of losing followers, protest: while the ban threatens
    push += f32(1.0)  # a quiet day
    # the ban, and the refugee story: while an alternative trends, the news of the exodus makes
    # users of a threatened platform look around harder (for every destination)
    ban = f32(rates.threat_push * threat + rates.exodus_push * strongest_buzz
              + rates.news_push * threat_news)  # an ultimatum answered within days
    push += ban * on_threatened
    push += f32(rates.outage_push) * on_dark  # their app is dark: look elsewhere
    return f32(rates.search_rate) * push


def trend(rates, buzz, threat, threatened):
    """Summary of rule: a platform in the charts draws sign-ups (its buzz), one users see the ban
    cover too repels them (threat × ban_foresight).

    Args:
        buzz: the platform's trending term (:func:`trending`).
        threatened: whether the ban covers the platform (bool).
    """
    expected_loss = f32(threat * rates.ban_foresight) * threatened  # may be banned too (Lemon8)
    return buzz - expected_loss


def sign_up_chance(search, gap, trend, gate):
    """Summary of rule: a user without an account signs up at the daily rate
    search × e^(trend − gap) × gate.

    Args:
        search: how hard the user looks today (:func:`search_rate`).
        gap: how far the platform lags the user's best (log-odds; negative = better).
        trend: the platform's :func:`trend`.
        gate: share of would-be joiners who get through sign-up
            (:func:`sim.model.motives.signup_gate`).
    """
    lead = trend - gap  # in the charts, and better than what the user has
    rate = np.exp(at_most(lead, LEAD_CAP, out=lead), out=lead)  # (capped: 1 long before)
    rate *= search  # how hard the user is looking
    rate *= gate  # through the sign-up barrier (Douyin's Chinese phone number)
    return at_least_once(rate)


def trending(rates, recent, usual):
    """Summary of rule: sign-ups well above their usual level put a platform in the charts and the
    news (C1, F3, F4): buzz = buzz · log((recent + floor) / (usual + floor)), between 0 and
    buzz_max; growth from below ``chart_floor`` barely counts.

    Args:
        recent, usual: short and long averages of the platform's daily sign-ups (share of users).
    """
    floor = rates.chart_floor  # sign-ups a platform needs to register in the charts
    ratio = (recent + floor) / (usual + floor)  # growth over the usual level
    return np.clip(rates.buzz * np.log(ratio), 0.0, rates.buzz_max)


def remember_signups(recent, usual, today, rates, first_day: bool) -> None:
    """Summary of rule: the charts remember a platform's sign-ups over ``buzz_memory_days``
    (recent) and ``USUAL_DAYS`` (usual); in place, the first day starting both at today's level.

    Args:
        today: today's expected sign-ups (share of users, P): free of draw noise.
    """
    if first_day:
        recent[:] = usual[:] = today
    for average, days in ((recent, rates.buzz_memory_days), (usual, USUAL_DAYS)):
        keep = np.exp(-1.0 / days)  # what a day of memory keeps
        average *= keep
        average += (1 - keep) * today


# --- going dormant ------------------------------------------------------------------------------


def base_hazard(rates, gap):
    """Summary of rule: a settled user leaves a platform that is not their best at base_churn."""
    return f32(rates.base_churn) * (gap > 0)


def trial_hazard(rates, gap, on_trial):
    """Summary of rule: an account on trial is dropped at trial_churn per unit of gap (up to
    TRIAL_GAP_CAP)."""
    return on_trial * (f32(rates.trial_churn) * np.minimum(gap, TRIAL_GAP_CAP))


def language_hazard(rates, users, platforms, today):
    """Summary of rule: newcomers who cannot read the interface leave in their first week (F12:
    20 %); a translation launch lowers ``language_barrier`` and with it this hazard."""
    newcomer = (today.tenure < rates.first_week_days).astype(np.float32)  # in their first week
    intolerance = (1.0 - users.language_tolerance)[:, None]  # cannot read the interface
    return rates.language_churn * platforms.language_barrier[None, :] * intolerance * newcomer


def moderation_hazard(rates, users, platforms, today):
    """Summary of rule: removals of newcomers' posts push the sensitive ones away in their first
    month (domain notes, week of 01-13)."""
    newcomer = (today.tenure < rates.first_month_days).astype(np.float32)  # in their first month
    return (rates.moderation_churn * platforms.moderation[None, :]  # how strict the platform is
            * users.moderation_sensitivity[:, None] * newcomer)  # how much the user minds


def threshold_hazard(rates, users, today, has_friends):
    """Summary of rule (Török–Kertész): once the share of a user's friends engaged on a platform
    falls below their threshold λ times the share engaged on their main app raised to
    ``threshold_relative`` (0: λ of all friends, as Török–Kertész; 1: λ of those at home, so that
    nobody leaves their main app for want of friends), they leave it at rate 1/τ."""
    needed = users.threshold[:, None]  # λ: of all friends
    if rates.threshold_relative:  # of the friends where the user spends most time
        needed = needed * (today.friends_at_home ** f32(rates.threshold_relative))[:, None]
    below = (today.friends_here < needed) & has_friends[:, None]
    return below.astype(np.float32) / rates.threshold_churn_days


def churn_hazard(rates, weights, users, platforms, today, gap, on_trial, has_friends):
    """Summary of rule: an engaged user goes dormant at the sum of every churn hazard (per day).

    Args:
        gap: how far each platform lags the user's best (N×P or N×1).
        on_trial: whether the account was made during the run, less than ``TRIAL_DAYS`` ago.
        has_friends: whether the user has any friend at all (N).
    """
    gap = np.maximum(gap, 0.0)
    hazard = base_hazard(rates, gap)
    hazard += trial_hazard(rates, gap, on_trial)
    hazard += weights.language * language_hazard(rates, users, platforms, today)
    hazard += weights.moderation * moderation_hazard(rates, users, platforms, today)
    hazard += weights.threshold_churn * on_trial * threshold_hazard(rates, users, today,
                                                                    has_friends)
    return hazard


def churn_hazard_bound(rates, weights, platforms):
    """The highest :func:`churn_hazard` any user can have on each platform (P): the same function
    at its worst inputs (a large gap, on trial, traits at their worst, no friend left), so that
    the fast model can test a draw against it before computing a user's own hazard."""
    worst_user = SimpleNamespace(language_tolerance=np.zeros(1, np.float32),
                                 moderation_sensitivity=np.ones(1, np.float32),
                                 threshold=np.ones(1, np.float32))
    worst_day = SimpleNamespace(tenure=np.zeros((1, 1), np.float32),
                                friends_here=np.zeros((1, 1), np.float32),
                                friends_at_home=np.ones(1, np.float32))
    gap = np.full((1, len(platforms.appeal)), np.inf, np.float32)  # a platform far from the best
    on_trial = np.ones_like(gap, dtype=bool)
    return churn_hazard(rates, weights, worst_user, platforms, worst_day, gap, on_trial,
                        np.ones(1, bool))[0]


def partly_dark(rates, hazard, dark):
    """Summary of rule: on a day a platform is dark for a share d of its hours, users leave it at
    their usual hazard in the hours it works and give up on it at dark_forget_rate in the others:
    (1 − d) · hazard + d · dark_forget_rate."""
    dark = np.asarray(dark, dtype=np.float32)
    return (f32(1.0) - dark) * hazard + dark * f32(rates.dark_forget_rate)


def newcomer_since(rates, day: int) -> int:
    """Summary of rule: an account faces every churn hazard while it is new (in its first week or
    month, the language and moderation hazards; or, if made during the run, on trial), and only
    the base hazard once settled. Returns the day after which accounts are new on ``day``; it
    only grows with ``day``."""
    first_month_since = day - max(rates.first_week_days, rates.first_month_days)
    trial_since = max(day - TRIAL_DAYS, -1)  # made during the run (day 0 or later), on trial
    return max(min(first_month_since, trial_since), EARLIEST_DAY)


def can_go_dormant(joined_day, day: int):
    """Summary of rule: an account made today is not left the same day."""
    return joined_day != day


def on_trial(joined_day, tenure):
    """Whether an account is on trial: made during the run (day 0 or later), less than
    ``TRIAL_DAYS`` ago."""
    return (joined_day >= 0) & (tenure < TRIAL_DAYS)


def daily_chance(rate):
    """Summary of rule: an event at a daily rate happens today with chance 1 − e^(−rate)."""
    rate = f32(rate) if np.isscalar(rate) else rate
    return -np.expm1(-rate)


# --- the main app, coming back and opening apps --------------------------------------------------


def prefers(candidate, best):
    """Summary of rule: a user's main app is the most attractive platform they use that works; of
    equally attractive ones, the first in the scenario's order (a platform must beat the best so
    far, taken in that order)."""
    return candidate > best


def return_chance(rates, gap, up=1.0):
    """Summary of rule: a dormant user comes back to a platform with chance
    2 · return_rate / (1 + e^gap) in the share of the day it works (``up``): return_rate at
    their best platform, less for worse ones."""
    most = f32(2.0 * rates.return_rate)  # a platform far better than the user's best
    chance = most / (1.0 + np.exp(np.minimum(np.maximum(gap, 0.0), RETURN_GAP_CAP)))
    return chance if np.all(up == 1) else chance * np.float32(up)  # (hours it works)


def open_chance(rates, activity, gap, tenure, up=1.0):
    """Summary of rule: an engaged user opens a platform with chance
    activity × max(e^(−attention_focus · gap), freshness, attention_floor): the best one at their
    daily activity, others less, unless the platform still feels new (freshness halves every
    curiosity half-life), never less than the plateau ``attention_floor``.

    Args:
        activity: the user's chance of opening their primary platform on a day (N).
        gap: how far the platform lags the user's best (0 for the best).
        tenure: days since the account was made (for freshness).
        up: the share of the day the platform works (users open it in those hours).
    """
    pull = -gap * f32(rates.attention_focus)  # attention goes to the best platform
    pull = np.maximum(pull, tenure * fading(rates.curiosity_halflife_days))  # unless it is new
    if rates.attention_floor:  # and never below a plateau
        pull = np.maximum(pull, f32(np.log(rates.attention_floor)))
    chance = np.exp(pull) * activity
    return chance if np.all(up == 1) else chance * np.float32(up)  # in the hours it works


def opens(drawn, signed_up_today):
    """Summary of rule: a user opens an app on a day their draw says so (:func:`open_chance`),
    and always on the day they signed up to it (a download counts as a daily user: C4)."""
    return drawn | signed_up_today

