"""The edges of the Graph API double that make and list posts (Page feed and photos,
Instagram media containers, ``media_publish`` and media lists); see ``graph``."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from somevahti.connectors.doubles import graph_errors as err

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
FB_PHOTO_MAX = 10 * 1024 * 1024
IG_IMAGE_MAX = 8 * 1024 * 1024
HIDDEN = frozenset({"access_token", "client_secret", "fb_exchange_token", "code", "input_token"})


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class GraphEdges:
    """Mixed into ``GraphDouble``; handlers are found by ``_{method}_{node kind}_{edge}``."""

    nodes: dict[str, dict[str, Any]]
    files: dict[str, Path]
    prefix: str
    processing_polls: int
    processing_error: str | None
    now: Callable[[], dt.datetime]
    _id: Callable[[int], str]
    posts: Callable[[str], list[dict[str, Any]]]
    _shape: Callable[[dict[str, Any]], dict[str, Any]]

    # --- Facebook Page edges ------------------------------------------------------------

    def _new_post(
        self, page: dict[str, Any], message: str, photos: list[str], link: str = ""
    ) -> str:
        post_id = f"{page['id']}_{self._id(10_000_000_000_000)}"
        self.nodes[post_id] = {
            "kind": "post", "id": post_id, "owner": page["id"], "at": self.now(),
            "message": message, "created_time": _stamp(self.now()), "link": link,
            "from": {"name": page["name"], "id": page["id"]}, "attached_photos": photos,
            "permalink_url": f"https://www.facebook.com/{page['id']}/posts/{post_id.split('_')[1]}",
        }  # fmt: skip
        for photo in photos:
            self.nodes[photo]["page_story_id"] = post_id
        return post_id

    def _get_page_feed(
        self, page: dict[str, Any], params: dict[str, str], _: Any
    ) -> dict[str, Any]:
        since = int(params.get("since", 0))
        posts = [p for p in self.posts(page["id"]) if p["at"].timestamp() >= since]
        return _paged(
            [_fields(self._shape(p), params) for p in posts],
            params,
            self.prefix,
            f"{page['id']}/feed",
        )

    def _post_page_feed(
        self, page: dict[str, Any], params: dict[str, str], _: Any
    ) -> dict[str, Any]:
        message = params.get("message", "")
        photos = [
            json.loads(v)["media_fbid"]
            for k, v in sorted(params.items())
            if k.startswith("attached_media[")
        ]
        for photo in photos:
            node = self.nodes.get(photo)
            if (
                node is None
                or node["kind"] != "photo"
                or node["owner"] != page["id"]
                or node.get("page_story_id")
            ):
                raise err.invalid_parameter(f"Invalid media_fbid {photo}")
        if not message and not photos and not params.get("link"):
            raise err.invalid_parameter("Missing message or attachment")
        latest = self.posts(page["id"])[:1]
        if message and latest and latest[0]["message"] == message:
            raise err.duplicate()  # Facebook's own rule: the same status twice in a row
        return {"id": self._new_post(page, message, photos, params.get("link", ""))}

    def _post_page_photos(
        self, page: dict[str, Any], params: dict[str, str], files: dict[str, bytes]
    ) -> dict[str, Any]:
        data = files.get("source", b"")
        if not data.startswith(IMAGE_MAGIC) or len(data) > FB_PHOTO_MAX:
            raise err.bad_photo()
        photo_id = self._id(300_000_000_000_000)
        self.nodes[photo_id] = {
            "kind": "photo", "id": photo_id, "owner": page["id"], "at": self.now(),
            "alt_text_custom": params.get("alt_text_custom", ""), "width": 8, "height": 8,
            "created_time": _stamp(self.now()), "from": {"name": page["name"], "id": page["id"]},
        }  # fmt: skip
        if params.get("published", "true") == "false":
            return {"id": photo_id}
        post_id = self._new_post(page, params.get("message", ""), [photo_id])
        return {"id": photo_id, "post_id": post_id}

    # --- Instagram edges ----------------------------------------------------------------

    def _post_ig_user_media(
        self, user: dict[str, Any], params: dict[str, str], _: Any
    ) -> dict[str, Any]:
        kind = params.get("media_type", "IMAGE")
        if kind == "CAROUSEL":
            children = params.get("children", "").split(",")
            ok = 2 <= len(children) <= 10 and all(
                self.nodes.get(c, {}).get("carousel_item") and self.nodes[c]["owner"] == user["id"]
                for c in children
            )
            if not ok:
                raise err.invalid_parameter("The parameter children is invalid")
        else:
            url = params.get("video_url" if kind in {"REELS", "VIDEO"} else "image_url", "")
            path = self.files.get(url)
            if path is None or not path.exists():
                raise err.ig_unfetchable(url)
            data = path.read_bytes()
            if kind == "IMAGE" and not data.startswith(b"\xff\xd8\xff"):
                raise err.ig_format()
            if kind == "IMAGE" and len(data) > IG_IMAGE_MAX:
                raise err.ig_too_large()
        cid = self._id(18_000_000_000_000_000)
        self.nodes[cid] = {
            "kind": "container", "id": cid, "owner": user["id"], "at": self.now(),
            "media_type": kind, "caption": params.get("caption", ""),
            "alt_text": params.get("alt_text", ""), "children": params.get("children", ""),
            "carousel_item": params.get("is_carousel_item") == "true",
            "polls": self.processing_polls, "error": self.processing_error,
        }  # fmt: skip
        return {"id": cid}

    def _post_ig_user_media_publish(
        self, user: dict[str, Any], params: dict[str, str], _: Any
    ) -> dict[str, Any]:
        box = self.nodes.get(params.get("creation_id", ""))
        if (
            box is None
            or box["kind"] != "container"
            or box["owner"] != user["id"]
            or box.get("published")
        ):
            raise err.invalid_parameter("The parameter creation_id is invalid")
        if box["polls"] > 0 or box.get("error"):
            raise err.ig_not_ready()
        box["published"] = True
        children = [self._ig_media(user, self.nodes[c]) for c in box["children"].split(",") if c]
        return {"id": self._ig_media(user, box, children)}

    def _ig_media(
        self, user: dict[str, Any], box: dict[str, Any], children: list[str] | None = None
    ) -> str:
        media_id = self._id(17_900_000_000_000_000)
        shortcode = secrets.token_urlsafe(8)[:11]
        made = box["media_type"]
        kind = {"CAROUSEL": "CAROUSEL_ALBUM", "REELS": "VIDEO"}.get(made, made)
        self.nodes[media_id] = {
            "kind": "ig_media", "id": media_id, "owner": user["id"], "child": box["carousel_item"],
            "at": self.now(), "caption": box["caption"], "alt_text": box["alt_text"],
            "media_type": kind, "media_product_type": "REELS" if made == "REELS" else "FEED",
            "timestamp": _stamp(self.now()), "username": user["username"], "shortcode": shortcode,
            "permalink": f"https://www.instagram.com/p/{shortcode}/", "children": children or [],
        }  # fmt: skip
        return media_id

    def _get_ig_user_media(
        self, user: dict[str, Any], params: dict[str, str], _: Any
    ) -> dict[str, Any]:
        items = [_fields(self._shape(m), params) for m in self.posts(user["id"])]
        return _paged(items, params, self.prefix, f"{user['id']}/media")


def _fields(node: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    wanted = [f for f in params.get("fields", "").split(",") if f]
    if not wanted:
        return {
            k: node[k] for k in ("id", "name", "message", "caption", "created_time") if k in node
        }
    return {"id": node["id"], **{f: node[f] for f in wanted if f in node}}


def _paged(
    items: list[dict[str, Any]], params: dict[str, str], prefix: str, path: str
) -> dict[str, Any]:
    limit, start = int(params.get("limit", 25)), int(params.get("after", 0) or 0)
    page = items[start : start + limit]
    paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(start + len(page))}}
    if start + limit < len(items):
        rest = {k: v for k, v in params.items() if k not in HIDDEN | {"after"}}
        query = "&".join(f"{k}={v}" for k, v in rest.items())
        paging["next"] = f"{prefix}{path}?{query}&after={start + limit}"
    return {"data": page, "paging": paging}
