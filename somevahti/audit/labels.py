"""Human labels for audit verbs. Verbs are dotted codes; unknown ones show as the code."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

VERB_LABELS: dict[str, Promise] = {
    "channel_request.submitted": _("Channel requested"),
    "channel_request.approved": _("Channel request approved"),
    "channel_request.rejected": _("Channel request rejected"),
    "channel.created": _("Channel created"),
    "channel.updated": _("Channel edited"),
    "channel.activated": _("Channel activated"),
    "channel.status_changed": _("Channel status changed"),
    "channel.closed": _("Channel closed"),
    "channel.imported": _("Channel imported"),
    "channel.followers_recorded": _("Follower count recorded"),
    "channel.activity_recorded": _("Activity recorded"),
    "channels.imported": _("Channel list imported"),
    "access.granted": _("Access granted"),
    "access.revoked": _("Access revoked"),
    "access_task.opened": _("IT task opened"),
    "access_task.done": _("IT task done"),
    "matrix.cell_set": _("Target-group matrix cell set"),
    "matrix.cell_updated": _("Target-group matrix cell set"),
    "audience.created": _("Target group created"),
    "guideline.created": _("Guideline created"),
    "guideline.version_approved": _("Guideline version approved"),
    "dormancy.opened": _("Revive-or-close decision opened"),
    "dormancy.revived": _("Channel revived"),
    "dormancy.closing": _("Decided to close the channel"),
    "dormancy.step_done": _("Closing step done"),
    "user.deactivated": _("User deactivated"),
    "unit.created": _("Unit created"),
    "unit.renamed": _("Unit renamed"),
    "unit.four_eyes_set": _("Four-eyes review rule set"),
    "role.granted": _("Role granted"),
    "role.revoked": _("Role removed"),
    "organisation.settings_updated": _("Organisation settings changed"),
    "checks.settings_updated": _("Checker settings changed"),
    "user.api_token_created": _("API token created"),
    "demo.loaded": _("Demo data loaded"),
    "post.created": _("Post created"),
    "post.updated": _("Post edited"),
    "post.submitted": _("Post sent for review"),
    "post.approved": _("Post approved"),
    "post.rejected": _("Post returned for changes"),
    "post.scheduled": _("Post scheduled"),
    "post.unscheduled": _("Post taken off the schedule"),
    "post.returned_to_draft": _("Post back to draft"),
    "post.cancelled": _("Post cancelled"),
    "post.published_manually": _("Post published by hand"),
    "post.check_overridden": _("Check finding overridden with a reason"),
    "post.media_added": _("Media added to a post"),
    "post.media_removed": _("Media removed from a post"),
    "post.media_replaced": _("Media file of a post replaced"),
    "post.media_updated": _("Alt text or captions of a post's media changed"),
    "post.commented": _("Review comment"),
    "content_tags.defaults_created": _("Default content types created"),
    "calendar_feed.created": _("Calendar feed address made"),
    "calendar_feed.revoked": _("Calendar feed address revoked"),
    "weekly_slot.created": _("Programme slot added"),
    "weekly_slot.updated": _("Programme slot changed"),
    "programme.settings_updated": _("Reminder time changed"),
    "rota.members_set": _("Rotation list set"),
    "rota.generated": _("Rota generated"),
    "rota.swapped": _("Rota turns swapped"),
    "rota.assigned": _("Rota turn assigned"),
    "rota.absence_recorded": _("Absence recorded"),
    "tip.sent": _("Tip sent"),
    "tip.drafted": _("Tip turned into a draft"),
    "tip.more_requested": _("More asked about a tip"),
    "tip.answered": _("Tip answered"),
    "tip.declined": _("Tip declined with thanks"),
    "crisis.started": _("Crisis mode turned on"),
    "crisis.ended": _("Crisis mode turned off"),
    "crisis.delegate_added": _("Crisis switch delegated"),
    "crisis.delegate_revoked": _("Crisis delegation revoked"),
    "post.crisis_paused": _("Post paused by crisis mode"),
    "post.crisis_approved": _("Post approved by the crisis owner"),
    "post.crisis_resumed": _("Paused post resumed"),
    "post.crisis_rescheduled": _("Paused post rescheduled"),
    "post.crisis_cancelled": _("Paused post cancelled"),
}

TARGET_LABELS: dict[str, Promise] = {
    "registry.channel": _("Channel"),
    "registry.channelrequest": _("Channel request"),
    "registry.accesstask": _("IT task"),
    "registry.accessgrant": _("Access"),
    "registry.audience": _("Target group"),
    "registry.matrixcell": _("Matrix cell"),
    "registry.dormancyreview": _("Revive-or-close decision"),
    "guidelines.guideline": _("Guideline"),
    "guidelines.guidelineversion": _("Guideline version"),
    "core.user": _("User"),
    "core.organisation": _("Organisation"),
    "core.unit": _("Unit"),
    "content.post": _("Post"),
}


def verb_label(verb: str) -> str:
    label = VERB_LABELS.get(verb)
    return str(label) if label is not None else verb


def target_label(target_type: str) -> str:
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type
