"""One settings object: assay.toml in the project, then ASSAY_* variables, then flags."""

from __future__ import annotations

import enum
import functools
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assay.core.limits import MAX_TOML_KEY_PARTS, toml_key_depth
from assay.errors import ConfigError

__all__ = [
    "AllowedSecret",
    "CertificateSettings",
    "ClaimsSettings",
    "GatesSettings",
    "IgnoreEntry",
    "SecretSettings",
    "Settings",
    "SigningSettings",
    "SignoffSettings",
    "SloSettings",
    "StoreSettings",
    "TestSettings",
    "VulnerabilitySettings",
    "VulnerabilitySource",
    "WaiverSettings",
    "load_settings",
]

CONFIG_FILE = "assay.toml"


def _expandable(path: Path) -> Path:
    """A folder setting whose ``~user`` names a user of this machine (kept unexpanded)."""
    try:
        path.expanduser()
    except RuntimeError as exc:  # "Could not determine home directory"
        raise ValueError(f"{str(path)[:80]!r} names the home folder of an unknown user") from exc
    return path


Folder = Annotated[Path, AfterValidator(_expandable)]


class StoreSettings(BaseModel):
    """Where Assay keeps runs and evidence (``[store]`` in assay.toml)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    """Database URL; default ``sqlite:///<dir>/assay.db``. ``ASSAY_STORE_URL``."""
    dir: Folder = Path(".assay")
    """State folder, relative to the project: database, evidence, reports. ``ASSAY_STORE_DIR``."""


class VulnerabilitySource(enum.StrEnum):
    AUTO = "auto"
    """The imported database when there is one, else the OSV API."""
    OFFLINE = "offline"
    ONLINE = "online"


class IgnoreEntry(BaseModel):
    """A suppression (``[[vulnerabilities.ignore]]``): every field is required."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    """A vulnerability id or alias (PYSEC-, GHSA-, CVE-...)."""
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: date


class VulnerabilitySettings(BaseModel):
    """``[vulnerabilities]`` in assay.toml."""

    model_config = ConfigDict(extra="forbid")

    source: VulnerabilitySource = VulnerabilitySource.AUTO
    osv_url: str = "https://api.osv.dev"
    """Base URL of the OSV API (online mode). ``ASSAY_VULNERABILITIES_OSV_URL``."""
    export_url: str = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
    """Where ``assay vulndb sync`` downloads the PyPI export."""
    ignore: list[IgnoreEntry] = []


class TestSettings(BaseModel):
    """``[tests]`` in assay.toml: how certify gets test, coverage and benchmark results."""

    __test__ = False
    model_config = ConfigDict(extra="forbid")

    command: list[str] | None = None
    """The project's test command (argument list, run in the project folder), for example
    ``["pytest", "--junitxml=.assay/junit.xml"]``. Without it, certify reads result files
    it finds in the tree."""
    timeout: int = Field(default=1800, gt=0)
    """Seconds the command may run."""
    results: list[str] = []
    """Result files the command writes, relative to the project; empty: look for them."""


class AllowedSecret(BaseModel):
    """``[[secrets.allow]]``: a finding accepted by fingerprint, never by value."""

    model_config = ConfigDict(extra="forbid")

    fingerprint: str = Field(min_length=8)
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: date


class SecretSettings(BaseModel):
    """``[secrets]`` in assay.toml."""

    model_config = ConfigDict(extra="forbid")

    allow: list[AllowedSecret] = []
    fail_on_test_fixtures: bool = False
    """Whether findings in test code and test data (``tests/``, ``test/``, ``testing/``,
    ``fixtures/``, ``testdata/``, ``conftest.py``, ``test_*.py``) fail PROD-003. They are
    always reported, marked as test fixtures; by default they do not fail the gate."""


class SloSettings(BaseModel):
    """``[slo]``: service-level objectives that load-test results are judged against."""

    model_config = ConfigDict(extra="forbid")

    p95_ms: float | None = Field(default=None, gt=0)
    """95th percentile latency, at most, in milliseconds."""
    p99_ms: float | None = Field(default=None, gt=0)
    min_throughput_rps: float | None = Field(default=None, gt=0)
    """Requests per second, at least."""
    max_error_rate: float | None = Field(default=None, ge=0, le=1)
    """Share of failed requests, at most, as a fraction: 0.01 is 1%."""


class WaiverSettings(BaseModel):
    """``[[gates.waivers]]``: an accepted exception to one gate, until a date."""

    model_config = ConfigDict(extra="forbid")

    gate: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date
    ticket: str | None = None


class GatesSettings(BaseModel):
    """``[gates]``: the readiness policy. The default gates apply unless changed here.

    ``[gates.PROD-002] max_regression_percent = 3`` sets a threshold of a default gate;
    ``enabled = false`` with a ``reason`` switches a gate off (the report says so);
    ``[[gates.custom]]`` adds a gate (id, title, passes_when, and a condition:
    ``check``/``all_of``/``any_of``); ``[[gates.waivers]]`` waives a gate until a date.
    """

    model_config = ConfigDict(extra="allow")

    waivers: list[WaiverSettings] = []
    custom: list[dict[str, Any]] = []


class SignoffSettings(BaseModel):
    """``[signoff]``: required roles and how many signers each needs."""

    model_config = ConfigDict(extra="forbid")

    roles: dict[str, int] = Field(
        default_factory=lambda: {
            "developer": 1,
            "tech_lead": 1,
            "qa": 1,
            "security": 1,
            "product_owner": 1,
            "architect": 1,
        }
    )
    """Role -> signers needed (N of the role's M signers)."""
    validity_days: int = Field(default=30, gt=0)
    """A sign-off expires this many days after it is given."""


class CertificateSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    validity_months: int = Field(default=12, gt=0)
    review_months: int = Field(default=3, gt=0)
    """The next review is due this many months after issue."""
    review_overdue: Literal["warn", "fail"] = "warn"
    """A certificate past its next review: verification passes with a note (warn) or
    fails (fail). An overdue condition fails it either way."""


class ComplianceSettings(BaseModel):
    """``[compliance]``: frameworks, extra catalogs, and how evidence maps to controls."""

    model_config = ConfigDict(extra="forbid")

    frameworks: list[str] = ["ssdf", "iso27001", "soc2", "800-53"]
    """Frameworks that status, packages and exports cover by default."""
    catalogs: list[Path] = []
    """More control catalogs (JSON, as in docs/compliance.md), relative to the project."""
    controls: list[dict[str, Any]] = []
    """``[[compliance.controls]]``: framework, id, evidence, gates, records, note,
    required; replaces the default mapping of that control."""
    not_applicable: list[dict[str, Any]] = []
    """``[[compliance.not_applicable]]``: framework, id and a justification."""


class RetentionPolicy(BaseModel):
    """How long evidence is kept: the longest policy that matches a piece of evidence wins."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[\w.-]+$")
    days: int = Field(gt=0, le=36525)
    """At most 100 years; evidence no policy covers is kept anyway."""
    kinds: list[str] = ["*"]
    """Evidence kinds the policy covers (``*``: every kind)."""
    frameworks: list[str] = []
    """Only evidence that a control of one of these frameworks is mapped to (empty: any)."""
    scope: Literal["released", "unreleased", "all"] = "all"
    """Evidence of runs bound to a release, of runs that are not, or both."""


def _default_retention() -> list[RetentionPolicy]:
    return [
        RetentionPolicy(name="release-evidence", days=7 * 365 + 2, scope="released"),
        RetentionPolicy(name="unreleased-runs", days=365, scope="unreleased"),
        RetentionPolicy(
            name="raw-load-tests", days=90, kinds=["load-tests", "benchmarks"], scope="unreleased"
        ),
    ]


class RetentionSettings(BaseModel):
    """``[retention]``: ``[[retention.policies]]`` replace the defaults when given."""

    model_config = ConfigDict(extra="forbid")

    policies: list[RetentionPolicy] = Field(default_factory=_default_retention)


class SigningSettings(BaseModel):
    """``[signing]``: where keys live and which key signs."""

    model_config = ConfigDict(extra="forbid")

    key_dir: Folder = Path("~/.assay/keys")
    """Key folder (``ASSAY_SIGNING_KEY_DIR``); private keys are encrypted, files 0600."""
    key: str = "default"
    """Name of the key that signs."""
    trusted_keys: list[Path] = []
    """Public key files (PEM) whose signatures certify and verify accept, relative to the
    project, besides the public keys of ``key_dir``."""


class ServerSettings(BaseModel):
    """``[server]``: limits of ``assay serve``."""

    model_config = ConfigDict(extra="forbid")

    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    """The largest upload accepted (all files of one request); larger answers 413."""
    rate_limit_per_minute: int = Field(default=6000, ge=0)
    """Requests each API token may make per minute (0: no limit); more answer 429."""
    rate_limit_burst: int = Field(default=200, gt=0)
    """Requests a token may make at once before the per-minute rate applies."""


class ClaimsSettings(BaseModel):
    """``[claims]``: the completion reports whose claims certify checks."""

    model_config = ConfigDict(extra="forbid")

    reports: list[str] = []
    """Markdown reports, relative to the project; empty: report-like files found."""


class SpecLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lower: float | None = None
    upper: float | None = None


class CtqSettings(BaseModel):
    """``[sixsigma.ctq.NAME]``: opportunities and weighted defects, as ``kind.figure``."""

    model_config = ConfigDict(extra="forbid")

    opportunities: str = Field(pattern=r"^[\w.-]+\.[\w-]+$")
    defects: dict[str, float]
    requires: dict[str, str] = {}
    """``kind.figure`` = value that must hold for the characteristic to count as measured
    (``{"vulnerabilities.status" = "complete"}``); a default replaced by name keeps its own
    requirements when this is empty."""


class SixSigmaSettings(BaseModel):
    """``[sixsigma]``: the shift, the defect model and specification limits of metrics."""

    model_config = ConfigDict(extra="forbid")

    shift: float = Field(default=1.5, ge=0)
    """Added to the short-term sigma level; 1.5 by convention, always stated."""
    ctq: dict[str, CtqSettings] = {}
    """Replace a default characteristic by name, or add one."""
    spec: dict[str, SpecLimits] = {}
    """Specification limits by metric (``kind.figure``), for capability indices."""


@functools.lru_cache(maxsize=64)
def _locations(store_dir: Path, project_dir: Path) -> tuple[Path, str, Path]:
    """The state folder, the default SQLite URL and the evidence folder. Every request of
    the team server asks for them (several times); building the paths each time was a
    measurable part of a read."""
    path = store_dir.expanduser()
    state = path if path.is_absolute() else project_dir / path
    return state, f"sqlite:///{state / 'assay.db'}", state / "evidence"


class Settings(BaseSettings):
    """Everything configurable about a run of Assay on one project."""

    model_config = SettingsConfigDict(
        env_prefix="ASSAY_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
    )

    project_dir: Path = Path()
    store: StoreSettings = StoreSettings()
    vulnerabilities: VulnerabilitySettings = VulnerabilitySettings()
    tests: TestSettings = TestSettings()
    secrets: SecretSettings = SecretSettings()
    slo: SloSettings = SloSettings()
    gates: GatesSettings = GatesSettings()
    claims: ClaimsSettings = ClaimsSettings()
    sixsigma: SixSigmaSettings = SixSigmaSettings()
    signoff: SignoffSettings = SignoffSettings()
    certificate: CertificateSettings = CertificateSettings()
    signing: SigningSettings = SigningSettings()
    server: ServerSettings = ServerSettings()
    compliance: ComplianceSettings = ComplianceSettings()
    retention: RetentionSettings = RetentionSettings()

    @property
    def state_dir(self) -> Path:
        return _locations(self.store.dir, self.project_dir)[0]

    @property
    def store_url(self) -> str:
        return self.store.url or _locations(self.store.dir, self.project_dir)[1]

    @property
    def default_store(self) -> bool:
        """Whether the store is the default one in the state folder (which Assay creates),
        not a URL the user gave (whose folder must exist)."""
        return self.store_url == _locations(self.store.dir, self.project_dir)[1]

    @property
    def evidence_dir(self) -> Path:
        return _locations(self.store.dir, self.project_dir)[2]

    @property
    def reports_dir(self) -> Path:
        return self.state_dir / "reports"

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / "cache"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(project_dir: Path, **flags: Any) -> Settings:
    """Settings for the project at ``project_dir``; ``flags`` (not None) win over all."""
    config = project_dir / CONFIG_FILE
    if config.is_file():
        try:
            # As pydantic-settings reads it next: bytes, no newline translation (a lone
            # carriage return is valid text but not valid TOML).
            text = config.read_bytes().decode("utf-8")
            if toml_key_depth(text) > MAX_TOML_KEY_PARTS:  # tomllib is quadratic in them
                raise ConfigError(
                    f"{config} cannot be read as TOML: a dotted key has more than "
                    f"{MAX_TOML_KEY_PARTS} parts",
                    hint="fix the file, or remove it",
                )
            tomllib.loads(text)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{config} is not valid TOML: {exc}", hint="fix the file, or remove it"
            ) from exc
        except (ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
            raise ConfigError(
                f"{config} cannot be read as TOML: {why}", hint="fix the file, or remove it"
            ) from exc

    class _ProjectSettings(Settings):
        model_config = SettingsConfigDict(toml_file=config)

    given = {key: value for key, value in flags.items() if value is not None}
    try:
        return _ProjectSettings(project_dir=project_dir, **given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"invalid settings: {problems}",
            hint=f"check {config} and the ASSAY_* environment variables",
        ) from exc
