"""`{% cached_image %}`: Wagtail's `{% image %}` with the finished result remembered per process.

Same arguments as `{% image %}` (`{% cached_image img fill-400x400 loading="lazy" %}`, or
`{% cached_image img max-800x800 as large %}` giving `large.url`, `.width`, `.height`, `.alt`). Wagtail's tag
costs about 0.4 ms an image even when the rendition is known (filter parsing, pickling the rendition in and out
of the cache, building the tag); a page of 40 product cards spent most of its time there. This tag keeps the
finished `<img>` (or the url and size) in the per-process "renditions" cache, keyed by everything that changes
the output: image id, file name and hash, focal point, filter spec, alt text and attributes. An edited image therefore
gets a new key; a purged rendition is forgotten within the cache's timeout (an hour).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django import template
from django.core.cache import caches
from wagtail.images.shortcuts import get_rendition_or_not_found
from wagtail.images.templatetags import wagtailimages_tags

register = template.Library()


@dataclass(frozen=True)
class CachedRendition:
    url: str
    width: int
    height: int
    alt: str


def _key(image, spec: str, extra: object) -> str:
    parts = (
        image.pk,
        image.file.name,
        image.file_hash,
        image.focal_point_x,
        image.focal_point_y,
        image.focal_point_width,
        image.focal_point_height,
        spec,
        image.default_alt_text,
        extra,
    )
    return "shop-img:" + hashlib.md5(repr(parts).encode(), usedforsecurity=False).hexdigest()


class CachedImageNode(template.Node):
    def __init__(self, node: wagtailimages_tags.ImageNode) -> None:
        self.node = node
        self.spec = "|".join(node.filter_specs)

    def render(self, context) -> str:
        node = self.node
        image = node.validate_image(context)
        if not image:
            return ""
        if node.preserve_svg:
            return node.render(context)
        cache = caches["renditions"]
        if node.output_var_name:
            key = _key(image, self.spec, "as")
            found = cache.get(key)
            if found is None:
                rendition = get_rendition_or_not_found(image, node.get_filter())
                found = CachedRendition(rendition.url, rendition.width, rendition.height, rendition.alt)
                cache.set(key, found)
            context[node.output_var_name] = found
            return ""
        attrs = tuple(sorted((name, value.resolve(context)) for name, value in node.attrs.items()))
        key = _key(image, self.spec, attrs)
        html = cache.get(key)
        if html is None:
            html = node.render(context)
            cache.set(key, html)
        return html


@register.tag("cached_image")
def cached_image(parser, token) -> CachedImageNode:
    _name, _space, rest = token.contents.partition(" ")
    token.contents = f"image {rest}"  # Wagtail's parser picks the node class by tag name
    return CachedImageNode(wagtailimages_tags.image(parser, token))
