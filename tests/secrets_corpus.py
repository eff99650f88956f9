"""A generated corpus of planted secrets and look-alikes in realistic files.

Values are made at test time from a fixed seed, so no token-shaped string is committed.
``build(root)`` writes the files and returns the planted (path, line, value) triples.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

ALNUM = string.ascii_letters + string.digits


def build(root: Path) -> tuple[list[tuple[str, int, str]], int]:
    """Write the corpus under ``root``; return the planted secrets and the look-alike count."""
    rng = random.Random(20261123)

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    def jwt() -> str:
        def part(data: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        return ".".join(
            [
                part({"alg": "HS256", "typ": "JWT"}),
                part({"sub": pick(string.digits, 8), "name": "service", "iat": 1700000000}),
                pick(ALNUM + "-_", 43),
            ]
        )

    def private_key(kind: str) -> list[str]:
        body = [pick(ALNUM + "+/", 64) for _ in range(6)]
        return [f"-----BEGIN {kind}PRIVATE KEY-----", *body, f"-----END {kind}PRIVATE KEY-----"]

    upper = string.ascii_uppercase + string.digits
    planted_values = {
        "aws1": "AKIA" + pick(upper, 16),
        "aws2": "AKIA" + pick(upper, 16),
        "aws3": "AKIA" + pick(upper, 16),
        "gh1": "ghp_" + pick(ALNUM, 36),
        "gh2": "gho_" + pick(ALNUM, 36),
        "gh3": "ghs_" + pick(ALNUM, 36),
        "slack1": f"xoxb-{pick(string.digits, 11)}-{pick(string.digits, 12)}-{pick(ALNUM, 24)}",
        "slack2": f"xoxp-{pick(string.digits, 11)}-{pick(string.digits, 12)}-{pick(ALNUM, 24)}",
        "stripe1": "sk_live_" + pick(ALNUM, 24),
        "stripe2": "rk_live_" + pick(ALNUM, 24),
        "stripe3": "sk_live_" + pick(ALNUM, 34),
        "jwt1": jwt(),
        "jwt2": jwt(),
        "jwt3": jwt(),
        "sendgrid": f"SG.{pick(ALNUM + '-_', 22)}.{pick(ALNUM + '-_', 43)}",
        "npm": "npm_" + pick(ALNUM, 36),
        "twilio": "SK" + pick("0123456789abcdef", 32),
        "pw1": pick(ALNUM + "!@#%^&*", 20),
        "pw2": pick(ALNUM, 24),
        "pw3": pick(ALNUM + "-_", 32),
        "pw4": pick(ALNUM, 18),
        "pw5": pick(ALNUM + "+/", 40),
        "pw6": pick(ALNUM, 28),
        "pw7": pick(ALNUM + "._-", 30),
        "pw8": pick(ALNUM, 22),
        "pw9": pick(ALNUM, 26),
        "basic": pick(ALNUM, 16),
        "gitlab": "glpat-" + pick(ALNUM + "-_", 20),
    }
    v = planted_values
    files: dict[str, list[str | tuple[str, str]]] = {
        "deploy/.env": [
            "# production settings",
            ("aws1", f"AWS_ACCESS_KEY_ID={v['aws1']}"),
            ("pw1", f"DB_PASSWORD='{v['pw1']}'"),
            ("stripe1", f"STRIPE_KEY={v['stripe1']}"),
            "DEBUG=false",
            "API_KEY=${API_KEY}",
            "SECRET_KEY=changeme",
        ],
        "app/settings.py": [
            '"""Django-style settings."""',
            "import os",
            ("pw2", f'SECRET_KEY = "{v["pw2"]}"'),
            'DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]',
            ("gh1", f'GITHUB_TOKEN = "{v["gh1"]}"'),
            'PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]',
            'password_reset_url = "/accounts/password/reset/"',
            'STATIC_CHECKSUM = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
            'REQUEST_ID = "8f14e45f-ceea-467f-a7b5-9b1c1d2a3e4f"',
            ("sendgrid", f'SENDGRID = "{v["sendgrid"]}"'),
        ],
        "config/services.yaml": [
            "slack:",
            ("slack1", f"  bot_token: {v['slack1']}"),
            "  channel: '#releases'",
            "database:",
            "  user: app",
            ("pw3", f"  password: {v['pw3']}"),
            "  password_file: /run/secrets/db_password",
            "vault:",
            '  token: "{{ vault_token }}"',
            "aws:",
            "  access_key_id: AKIAIOSFODNN7EXAMPLE",
            "  secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ],
        "src/client.py": [
            "import requests",
            "",
            "",
            "class Client:",
            "    def __init__(self, token: str) -> None:",
            "        self.token = token",
            "",
            "    def auth(self):",
            "        api_key = self.token",
            "        return {'Authorization': f'Bearer {api_key}'}",
            "",
            ("jwt1", f'SERVICE_JWT = "{v["jwt1"]}"'),
            ("aws2", f'BACKUP_KEY_ID = "{v["aws2"]}"'),
            'EXAMPLE_TOKEN = "YOUR_API_KEY"',
            'token_type = "bearer"',
            ("pw4", f'client_secret = "{v["pw4"]}"'),
        ],
        "terraform/prod.tfvars": [
            'region = "eu-west-1"',
            ("aws3", f'access_key = "{v["aws3"]}"'),
            ("pw5", f'secret_key = "{v["pw5"]}"'),
            'ami = "ami-0c55b159cbfafe1f0"',
            'kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/'
            '1234abcd-12ab-34cd-56ef-1234567890ab"',
        ],
        "scripts/release.sh": [
            "#!/bin/sh",
            ("gh2", f"export GH_TOKEN={v['gh2']}"),
            ("npm", f"echo //registry.npmjs.org/:_authToken={v['npm']} > ~/.npmrc"),
            'git commit -m "release" --author "release bot <bot@example.org>"',
            "sha256sum dist/*.whl  # "
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            ("basic", f"curl https://deploy:{v['basic']}@artifacts.internal.example/upload"),
            'curl -H "Authorization: token $GITHUB_TOKEN" https://api.github.com',
        ],
        "tests/fixtures/data.json": [
            "{",
            ("jwt2", f'  "session": "{v["jwt2"]}",'),
            '  "user_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",',
            '  "avatar_sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709",',
            ("pw6", f'  "api_key": "{v["pw6"]}",'),
            '  "password": "********",',
            ("stripe2", f'  "restricted": "{v["stripe2"]}",'),
            '  "commit": "4b825dc642cb6eb9a060e54bf8d69288fbee4904"',
            "}",
        ],
        "docs/setup.md": [
            "# Setup",
            "Set `STRIPE_KEY` to your key, for example `sk_test_4eC39HqLyjWDarjtT1zdp7dc`.",
            "Use `password = <your password>` in the config.",
            ("gh3", f"The CI token is {v['gh3']} (rotate it!)."),
            # A signed-serializer token shown as example output (seen in a real README):
            # eyJ... like a JWT, but its parts are a JSON payload and a signature.
            "    # printed: "
            + base64.urlsafe_b64encode(b'{"user": 42, "role": "viewer"}').decode().rstrip("=")
            + ".Qm9vbGVhbkZhbHNlU2lnbmF0dXJlAb",
            "The digest is "
            "`sha256:2c26b46b68ffc68ff99b453c1d30413427e2ac1f6b9bc1c5b5d5e3fc8b5c1d67`.",
        ],
        "infra/keys/deploy_key": [
            *[("key1", line) if i == 0 else line for i, line in enumerate(private_key("RSA "))],
        ],
        "infra/keys/signing.pem": [
            *[("key2", line) if i == 0 else line for i, line in enumerate(private_key(""))],
        ],
        "infra/keys/ec.pem": [
            *[("key3", line) if i == 0 else line for i, line in enumerate(private_key("EC "))],
        ],
        "src/notify.py": [
            ("slack2", f'SLACK = "{v["slack2"]}"'),
            ("twilio", f'TWILIO_API_KEY = "{v["twilio"]}"'),
            ("pw7", f'auth_token = "{v["pw7"]}"'),
            ("jwt3", f'LEGACY_JWT = "{v["jwt3"]}"'),
            "password = models.CharField(max_length=128)",
            "secret_santa_budget = 100",
            'token_version = "1.2.3"',
            "api_key = get_api_key()",
            'PRIVATE_KEY_PATH = "/etc/app/key.pem"',
        ],
        "src/payments.py": [
            ("stripe3", f'stripe.api_key = "{v["stripe3"]}"'),
            ("pw8", f'webhook_secret = "{v["pw8"]}"'),
            'idempotency_key = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"',
            'currency = "eur"',
        ],
        "ops/gitlab-ci.env": [
            ("gitlab", f"GITLAB_TOKEN={v['gitlab']}"),
            ("pw9", f"REGISTRY_PASSWORD={v['pw9']}"),
            "REGISTRY_USER=ci",
            "IMAGE_DIGEST=sha256:" + "b" * 64,
        ],
    }
    planted: list[tuple[str, int, str]] = []
    lookalikes = 0
    for relative, lines in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text_lines = []
        for number, item in enumerate(lines, start=1):
            if isinstance(item, tuple):
                key, line = item
                value = planted_values.get(key, line)
                planted.append((relative, number, value))
                text_lines.append(line)
            else:
                text_lines.append(item)
                if any(mark in item for mark in ("=", ":", "sha", "EXAMPLE", "token", "key")):
                    lookalikes += 1
        path.write_text("\n".join(text_lines) + "\n", encoding="utf-8")
    return planted, lookalikes
