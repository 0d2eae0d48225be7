"""URL helpers: telling http(s) URLs apart and reducing a URL to one canonical spelling.

Canonical URLs let the store recognise the same article reached through different links
(a feed link with `utm_source`, a shared link with `fbclid`, `HTTP://Example.com:80/a#top`).

The canonical form is deliberately conservative: it only applies rewrites that cannot point
to a different resource on any reasonable server.

Done:
- scheme and host lowercased, a trailing dot on the host dropped, default ports (80, 443) dropped;
- the fragment dropped (browsers never send it), except hashbang fragments (`#!/story/1`) that
  old single-page sites use as the real address;
- an empty path becomes "/"; "." and ".." segments resolved (RFC 3986 section 5.2.4);
- percent-escapes normalised as yarl does (hex digits uppercased, characters that need no escape
  decoded);
- tracking parameters removed (see TRACKING_PARAMS / TRACKING_PARAM_PREFIXES); the remaining
  parameters sorted by name, keeping the relative order of repeated names, which some servers
  rely on. Parameters are kept byte for byte otherwise (no `+` / `%20` rewriting).

Not done, because either can change the resource on real servers:
- `www.` is kept: `www.example.com` and `example.com` may serve different sites;
- trailing slashes are kept: `/news` and `/news/` are different paths to many servers;
- path case is kept, and user info is kept.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from yarl import URL

HTTP_SCHEMES = frozenset({"http", "https"})

# Compared lowercased. Only names that no site uses for content: campaign, click and share trackers.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "ocid",
        "cmpid",
        "ref_src",
        "ref_url",
        "s_cid",
        "smid",
        "smtyp",
        "sr_share",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "vero_id",
        "oly_enc_id",
        "oly_anon_id",
        "rb_clickid",
        "__twitter_impression",
    }
)
TRACKING_PARAM_PREFIXES = ("utm_",)


def is_http_url(url: str) -> bool:
    """True for an absolute http:// or https:// URL with a host."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in HTTP_SCHEMES and bool(parts.hostname)


def canonicalize_url(url: str) -> str:
    """The canonical spelling of an http(s) URL (see the module docstring for the rules).

    Anything that is not a well-formed http(s) URL is returned stripped of surrounding
    whitespace but otherwise unchanged, so callers can canonicalize whatever a feed gives them.
    """
    url = url.strip()
    if not is_http_url(url):
        return url
    try:
        # yarl lowercases the scheme and host, drops default ports, resolves "." and "..", and
        # normalises percent-escapes; the tracking parameters and the fragment are our rules.
        parsed = URL(url)
    except ValueError:
        return url
    host = (parsed.raw_host or "").rstrip(".")
    if ":" in host:  # an IPv6 literal, bracketed again in the built URL
        host = f"[{host}]"
    canonical = URL.build(
        scheme=parsed.scheme,
        user=parsed.raw_user,
        password=parsed.raw_password,
        host=host,
        port=None if parsed.is_default_port() else parsed.explicit_port,
        path=parsed.raw_path or "/",
        query_string=_canonical_query(parsed.raw_query_string),
        fragment=parsed.raw_fragment if parsed.raw_fragment.startswith("!") else "",
        encoded=True,
    )
    return str(canonical)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PARAM_PREFIXES)


def _canonical_query(query: str) -> str:
    pairs = [pair for pair in query.split("&") if pair]
    kept = [pair for pair in pairs if not is_tracking_param(_param_name(pair))]
    # sorted() is stable, so repeated names keep their order (a=2&a=1 stays as it is).
    kept.sort(key=_param_name)
    return "&".join(kept)


def _param_name(pair: str) -> str:
    return unquote(pair.partition("=")[0])


CREDENTIALS_REFUSED = (
    "that address has a user name or password in it (user:password@…), which the bot would have "
    "to store and show: use an address that needs no login, or one with an access token in its "
    "query string if the site offers that"
)


def has_credentials(url: str | None) -> bool:
    """The URL carries userinfo (`user:password@host`)."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL the fetcher would take either
        return False
    return bool(parts.username or parts.password) or "@" in parts.netloc


def redact_credentials(url: str) -> str:
    """The URL with its userinfo replaced by `***`, for saying which source is meant."""
    if not has_credentials(url):
        return url
    scheme, _, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    return f"{scheme}://***@{authority.rpartition('@')[2]}{slash}{path}"
