"""Image captcha (SPEC A2): a PNG for a client-made uuid; the text lives in Redis for CAPTCHA_TIMEOUT
seconds, is compared case-insensitively and is deleted on the first check, right or wrong."""

from __future__ import annotations

import io
import random
import uuid as uuid_module

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from commerce.accounts.errors import AccountErrorCode
from commerce.accounts.redis_store import redis_client
from commerce.errors import CommerceError, TooManyRequestsError

# No 0/O, 1/I/L, 2/Z, 5/S: nothing a shopper can misread.
ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
LENGTH = 4
WIDTH, HEIGHT = 120, 40


class CaptchaError(CommerceError):
    code = AccountErrorCode.CAPTCHA_INVALID
    default_message = gettext_lazy("图形验证码错误")


def captcha_key(captcha_id: str) -> str:
    return f"mh:captcha:{captcha_id}"


def normalise_captcha_id(captcha_id: str) -> str:
    """The canonical form of a client-made uuid; raises CaptchaError for anything else."""
    try:
        return str(uuid_module.UUID(str(captcha_id)))
    except (ValueError, TypeError, AttributeError):
        raise CaptchaError(_("图形验证码标识无效，请刷新验证码"), code=AccountErrorCode.CAPTCHA_ID_INVALID) from None


class CaptchaRateLimited(TooManyRequestsError, CaptchaError):
    code = AccountErrorCode.CAPTCHA_RATE_LIMITED
    default_message = gettext_lazy("获取验证码过于频繁，请稍后再试")


def _count_request(client_ip: str) -> None:
    """At most settings.CAPTCHA_PER_IP_PER_MINUTE images per client address per minute (a fixed window)."""
    key = f"mh:captcha-rate:{client_ip}"
    pipe = redis_client().pipeline()
    pipe.set(key, 0, ex=60, nx=True)  # opens the window (EXPIRE ... NX needs Redis 7; the embedded one is 6.2)
    pipe.incr(key)
    _opened, count = pipe.execute()
    if count > settings.CAPTCHA_PER_IP_PER_MINUTE:
        raise CaptchaRateLimited()


def create_captcha(*, captcha_id: str, client_ip: str) -> bytes:
    """Store a fresh text for `captcha_id` (replacing any earlier one) and return its PNG image.

    Raises CaptchaError for a malformed id and CaptchaRateLimited when this address asks too often."""
    captcha_id = normalise_captcha_id(captcha_id)
    _count_request(client_ip)
    rng = random.SystemRandom()
    text = "".join(rng.choice(ALPHABET) for _position in range(LENGTH))
    redis_client().set(captcha_key(captcha_id), text, ex=settings.CAPTCHA_TIMEOUT)
    return render_png(text, rng)


def check_captcha(*, captcha_id: str, text: str) -> None:
    """Consume the captcha (deleted whatever the outcome). Raises CaptchaError if missing or wrong."""
    captcha_id = normalise_captcha_id(captcha_id)
    stored = redis_client().getdel(captcha_key(captcha_id))
    if stored is None:
        raise CaptchaError(_("图形验证码已过期或已使用，请点击图片刷新"), code=AccountErrorCode.CAPTCHA_EXPIRED)
    if not text or stored.decode().upper() != str(text).strip().upper():
        raise CaptchaError(_("图形验证码错误，请点击图片刷新后重新输入"), code=AccountErrorCode.CAPTCHA_WRONG)


def render_png(text: str, rng: random.Random | None = None) -> bytes:
    """Draw `text` with per-letter jitter and rotation, noise lines and dots; a PNG of WIDTH x HEIGHT."""
    rng = rng or random.SystemRandom()
    image = Image.new("RGB", (WIDTH, HEIGHT), (rng.randint(230, 255), rng.randint(230, 255), rng.randint(230, 255)))
    font = ImageFont.load_default(size=28)
    step = WIDTH // (len(text) + 1)
    for index, letter in enumerate(text):
        glyph = Image.new("RGBA", (36, 40), (0, 0, 0, 0))
        colour = (rng.randint(10, 120), rng.randint(10, 120), rng.randint(10, 150), 255)
        ImageDraw.Draw(glyph).text((6, 2), letter, font=font, fill=colour)
        glyph = glyph.rotate(rng.uniform(-30, 30), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (8 + index * step + rng.randint(-3, 3), rng.randint(-4, 2)), glyph)
    draw = ImageDraw.Draw(image)
    for _line in range(4):
        start = (rng.randint(0, WIDTH), rng.randint(0, HEIGHT))
        end = (rng.randint(0, WIDTH), rng.randint(0, HEIGHT))
        draw.line([start, end], fill=(rng.randint(80, 200), rng.randint(80, 200), rng.randint(80, 200)), width=1)
    for _dot in range(120):
        draw.point((rng.randint(0, WIDTH - 1), rng.randint(0, HEIGHT - 1)), fill=(rng.randint(0, 255),) * 3)
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
