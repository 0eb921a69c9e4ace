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
    "post.commented": _("Review comment"),
    "content_tags.defaults_created": _("Default content types created"),
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
