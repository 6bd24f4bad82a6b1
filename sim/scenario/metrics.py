"""The names of what a run records: the recorder writes them, targets and figures read them.

They are part of what a scenario may say (a target names a metric), so they live with the
scenario's schema, below the model that writes them.
"""

from __future__ import annotations

# Each sign-up's strongest motive, named as its weight in [motives] (moderation: relief from the
# moderation of one's main app, the seed's "freedom of expression", F10)
MOTIVE_LABELS = ("follower_loss", "protest", "moderation", "curiosity", "network_pull")

METRICS = (  # daily, per platform, in real-world units
    "dau", "dau_us", "engaged", "accounts", "signups", "churn", "returns", "creators_active",
    "protest_posts", *(f"signups_{label}" for label in MOTIVE_LABELS),
    "moved", "moved_back", "ever_back",
)

FROM_OPENING = ("dau", "dau_us", "creators_active", "protest_posts")  # who opened which app
FROM_MOVES = ("moved", "moved_back", "ever_back")  # the main-app moves (and the flows)

DERIVED = (  # read off a run by sim.analysis.targets, for targets only
    "international_share", "first_week_churn", "newcomer_share_18_34", "top_creator_accounts",
    *(f"motive_share_{m}" for m in MOTIVE_LABELS),
)

TARGET_METRICS = (*METRICS, *DERIVED)
