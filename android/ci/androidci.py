#!/usr/bin/env python3
"""The CI build of android/app without Gradle or the Android SDK (scripts/android-tests.sh runs it).

What a developer with the SDK gets from `./gradlew testDebugUnitTest`, rebuilt from parts this
machine has, so that every Kotlin file of android/app is compiled against the real AndroidX and
the Android framework, and its tests run on Robolectric:

  1. versions   gradle/libs.versions.toml and the dependencies block of app/build.gradle.kts are
                read here (one source of truth: nothing below names a version);
  2. resolve    Maven downloads the dependency graph; the highest version of each module wins, as
                in Gradle (Maven alone keeps the nearest: a test pins the difference);
  3. unpack     each AAR gives its classes.jar, res/, AndroidManifest.xml and R.txt;
  4. resources  manifests merged (app first, then libraries, tools:node="remove" honoured);
                aapt2 compiles app/src/main/res and every library's res and links them against the
                compileSdk's framework resources into resources.ap_ (what Robolectric reads);
                R classes are generated from the linked symbols, non-transitive as
                gradle.properties asks (the app's R holds only the app's resources);
  5. build      stage 2 pom (target/android-ci/build/pom.xml): kotlin-maven-plugin with the Compose
                compiler plugin compiles android/app/src/main/java and the Android-flavoured uniffi
                bindings, then src/test/java; Surefire runs the tests under JaCoCo.

Usage: androidci.py prepare   (steps 1-4, then writes the stage 2 pom; prints its path)
       androidci.py coverage  (reads JaCoCo's CSV and prints the line coverage)
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Cargo's target directory (the library, the server, the generated bindings): scripts pass it.
TARGET = Path(os.environ.get("PERISAI_TARGET", ROOT / "target"))
ANDROID = ROOT / "android"
APP = ANDROID / "app"
CI = ANDROID / "ci"
OUT = TARGET / "android-ci"
MVN = ["mvn", "-B", "-Dkotlin.compiler.daemon=false"]
ANDROID_NS = "http://schemas.android.com/apk/res/android"
TOOLS_NS = "http://schemas.android.com/tools"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


def log(msg: str) -> None:
    print(f"androidci: {msg}", flush=True)


def fail(msg: str) -> None:
    print(f"androidci: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------- 1. versions


class Catalog:
    """gradle/libs.versions.toml: versions, libraries (alias -> group, name, version or None)."""

    def __init__(self, path: Path):
        data = tomllib.loads(path.read_text())
        self.versions: dict[str, str] = data["versions"]
        self.libraries: dict[str, tuple[str, str, str | None]] = {}
        for alias, spec in data["libraries"].items():
            if "module" in spec:
                group, name = spec["module"].split(":")
            else:
                group, name = spec["group"], spec["name"]
            version = spec.get("version")
            if isinstance(version, dict):
                version = self.versions[version["ref"]] if "ref" in version else version.get("strictly")
            elif "version.ref" in spec:
                version = self.versions[spec["version.ref"]]
            self.libraries[alias] = (group, name, version)

    def library(self, accessor: str) -> tuple[str, str, str | None]:
        """`libs.androidx.core.ktx` -> the library whose alias is androidx-core-ktx (or _ or .)."""
        wanted = accessor.replace(".", "-")
        for alias, lib in self.libraries.items():
            if re.sub(r"[_.]", "-", alias) == wanted:
                return lib
        fail(f"app/build.gradle.kts uses libs.{accessor}, which gradle/libs.versions.toml does not declare")
        raise AssertionError


DEP_LINE = re.compile(
    r"^\s*(implementation|testImplementation|debugImplementation|coreLibraryDesugaring)"
    r"\((platform\()?libs\.([A-Za-z0-9.]+)\)?\)?"
)


def gradle_dependencies(catalog: Catalog) -> list[dict]:
    """The dependencies block of app/build.gradle.kts, as (configuration, coordinates) rows."""
    rows = []
    text = (APP / "build.gradle.kts").read_text()
    block = text[text.index("\ndependencies {"):]
    for line in block.splitlines():
        m = DEP_LINE.match(line)
        if not m:
            continue
        configuration, platform, accessor = m.group(1), bool(m.group(2)), m.group(3)
        if configuration == "coreLibraryDesugaring":
            continue  # D8 rewrites java.time for API 24-25 when dexing; nothing to compile against
        group, name, version = catalog.library(accessor)
        rows.append({"configuration": configuration, "platform": platform, "group": group, "name": name, "version": version})
    if not rows:
        fail("no dependencies found in app/build.gradle.kts")
    return rows


def android_config() -> dict[str, str]:
    """namespace, compileSdk, minSdk, targetSdk, versionCode, versionName of app/build.gradle.kts."""
    text = (APP / "build.gradle.kts").read_text()
    config = {}
    for key in ["namespace", "applicationId", "compileSdk", "minSdk", "targetSdk", "versionCode", "versionName"]:
        m = re.search(rf"^\s*{key}\s*=\s*\"?([^\"\s]+)\"?", text, re.M)
        if not m:
            fail(f"app/build.gradle.kts has no {key}")
        config[key] = m.group(1)
    return config


# ---------------------------------------------------------------- 2. resolve


def version_key(v: str):
    """Maven-like ordering, enough for the versions met here (1.2.0-alpha05 < 1.2.0 < 1.10)."""
    key = []
    qualifiers = {"alpha": -4, "a": -4, "beta": -3, "b": -3, "rc": -2, "cr": -2, "snapshot": -5}
    for p in re.split(r"[.\-]", v):
        m = re.match(r"^([a-zA-Z]*)(\d*)$", p)
        if p.isdigit():
            key.append((1, int(p), ""))
        elif m and m.group(1).lower() in qualifiers:
            key.append((0, qualifiers[m.group(1).lower()], m.group(2) or "0"))
        else:
            key.append((0, 0, p))
    key.append((0, 1, ""))  # a release sorts after its pre-releases
    return key


def dep_xml(group, artifact, version=None, scope=None, type_=None, classifier=None, path=None, exclude_all=False) -> str:
    parts = [f"<groupId>{group}</groupId>", f"<artifactId>{artifact}</artifactId>"]
    if version:
        parts.append(f"<version>{version}</version>")
    if type_:
        parts.append(f"<type>{type_}</type>")
    if classifier:
        parts.append(f"<classifier>{classifier}</classifier>")
    if scope:
        parts.append(f"<scope>{scope}</scope>")
    if path:
        # Through properties of the build pom, as Maven wants system paths.
        path = str(path).replace(str(OUT), "${android.ci}").replace(str(M2), "${m2.repository}")
        parts.append(f"<systemPath>{path}</systemPath>")
    if exclude_all:
        parts.append("<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>")
    return "      <dependency>" + "".join(parts) + "</dependency>"


M2 = Path(os.environ.get("ANDROID_CI_M2", Path.home() / ".m2" / "repository"))
POM_NS = "{http://maven.apache.org/POM/4.0.0}"


def m2_path(group: str, artifact: str, version: str, ext: str, classifier: str | None = None) -> Path:
    name = f"{artifact}-{version}" + (f"-{classifier}" if classifier else "") + f".{ext}"
    return M2 / group.replace(".", "/") / artifact / version / name


class Missing(Exception):
    """A POM not yet downloaded: (group, artifact, version)."""


class Pom:
    """A POM with its parents applied: packaging, properties, managed versions, dependencies."""

    cache: dict[tuple[str, str, str], "Pom"] = {}

    @classmethod
    def load(cls, group: str, artifact: str, version: str) -> "Pom":
        key = (group, artifact, version)
        if key not in cls.cache:
            cls.cache[key] = Pom(*key)
        return cls.cache[key]

    def __init__(self, group: str, artifact: str, version: str):
        path = m2_path(group, artifact, version, "pom")
        if not path.exists():
            raise Missing((group, artifact, version))
        text = path.read_text(errors="replace")
        # A POM that Gradle wrote beside its module metadata: its dependencyManagement is the
        # module's dependency constraints (e.g. every compose-ui module at one version).
        self.gradle_published = "published-with-gradle-metadata" in text
        root = ET.fromstring(re.sub(r"\sxmlns=(\"[^\"]*\"|'[^']*')", "", text, count=1))
        t = lambda e, name: (e.findtext(name) or "").strip() if e is not None else ""  # noqa: E731
        parent = root.find("parent")
        self.parent = Pom.load(t(parent, "groupId"), t(parent, "artifactId"), t(parent, "version")) if parent is not None else None
        self.group, self.artifact, self.version = group, artifact, version
        self.packaging = t(root, "packaging") or "jar"
        self.props = dict(self.parent.props) if self.parent else {}
        for e in root.find("properties") if root.find("properties") is not None else []:
            self.props[e.tag] = (e.text or "").strip()
        self.props.update({"project.version": version, "version": version, "project.groupId": group,
                           "pom.version": version, "project.artifactId": artifact})
        if self.parent:
            self.props["project.parent.version"] = self.parent.version
            self.props["parent.version"] = self.parent.version
        self.managed: dict[tuple[str, str], str] = dict(self.parent.managed) if self.parent else {}
        self.own_managed: dict[tuple[str, str], str] = {}
        dm = root.find("dependencyManagement/dependencies")
        for d in dm if dm is not None else []:
            g, a, v = self.sub(t(d, "groupId")), self.sub(t(d, "artifactId")), self.sub(t(d, "version"))
            if t(d, "scope") == "import" and t(d, "type") == "pom":
                self.managed.update(Pom.load(g, a, v).managed)
            else:
                self.managed[(g, a)] = v
                self.own_managed[(g, a)] = v
        self.deps = list(self.parent.deps) if self.parent else []
        ds = root.find("dependencies")
        for d in ds if ds is not None else []:
            g, a = self.sub(t(d, "groupId")), self.sub(t(d, "artifactId"))
            self.deps.append({
                "group": g, "artifact": a, "version": self.sub(t(d, "version")) or self.managed.get((g, a), ""),
                "scope": t(d, "scope") or "compile", "optional": t(d, "optional") == "true",
                "type": t(d, "type") or "jar", "classifier": t(d, "classifier") or None,
                "exclusions": {(t(x, "groupId"), t(x, "artifactId")) for x in d.findall("exclusions/exclusion")},
            })

    def sub(self, value: str) -> str:
        for _ in range(5):
            new = re.sub(r"\$\{([^}]+)\}", lambda m: self.props.get(m.group(1), m.group(0)), value)
            if new == value:
                break
            value = new
        return value


def plain_version(spec: str) -> str:
    """`1.2.3`, `[1.2.3]`, `[1.2.3,1.2.3]`, `[1.0,)`: the version a resolver would start from."""
    spec = spec.strip()
    if spec[:1] in "[(":
        bounds = [b.strip() for b in spec.strip("[]()").split(",")]
        return next(b for b in bounds if b)
    return spec


def fetch(coords: set[tuple[str, str, str, str, str | None]], label: str, must: bool = True) -> None:
    """Has Maven download exactly these files (group, artifact, version, type, classifier); when
    not [must], files the registry does not have are left missing for the caller to judge."""
    work = OUT / "resolve"
    work.mkdir(parents=True, exist_ok=True)
    deps = [dep_xml(g, a, v, None, t, c, exclude_all=True) for g, a, v, t, c in sorted(coords, key=str)]
    pom = work / f"fetch-{label}.xml"
    pom.write_text((CI / "resolve.pom.xml").read_text().replace("@MANAGED@", "").replace("@DEPENDENCIES@", "\n".join(deps)))
    run_mvn(["-f", str(pom), f"{DEPENDENCY_PLUGIN}:resolve", "-DexcludeTransitive=true"], work / f"fetch-{label}.log", must)


# Families that Gradle keeps at one version through their module metadata, which POMs lack:
# kotlinx-coroutines through its BOM (a platform dependency of every module), the Kotlin standard
# library through its constraints on the -jdk7/-jdk8 stubs.
RANK = {"compile": 0, "runtime": 1, "test": 2}

ALIGNED = [
    re.compile(r"^org\.jetbrains\.kotlinx:kotlinx-coroutines-"),
    re.compile(r"^org\.jetbrains\.kotlin:kotlin-stdlib(-jdk7|-jdk8)?$"),
]


def resolve(catalog: Catalog, deps: list[dict]) -> list[dict]:
    """The app's dependency graph as Gradle resolves it from POMs: every module at the highest
    version asked for anywhere in the graph (Maven would keep the nearest), the BOM's versions and
    Gradle-published sibling constraints taking part. Returns the artifacts to use, each with
    its scope: `compile` (the app's compile classpath), `runtime` (also in the APK) or `test`."""
    v = catalog.versions
    constraints: dict[tuple[str, str], set[str]] = {}
    roots: list[tuple[tuple[str, str], str, str]] = []  # (module, version, scope)
    for d in deps:
        if d["platform"]:
            bom = fetch_pom(d["group"], d["name"], d["version"])
            for ga, ver in bom.managed.items():
                constraints.setdefault(ga, set()).add(ver)
    bom_versions = {ga: max(vs, key=version_key) for ga, vs in constraints.items()}
    for d in deps:
        if d["platform"]:
            continue
        ver = d["version"] or bom_versions.get((d["group"], d["name"]))
        if not ver:
            fail(f"{d['group']}:{d['name']} has no version in the catalog or the BOM")
        roots.append(((d["group"], d["name"]), ver, "test" if d["configuration"] == "testImplementation" else "compile"))
    # What the Kotlin Gradle plugin adds by itself: the standard library of the compiler's version.
    roots.append((("org.jetbrains.kotlin", "kotlin-stdlib"), v["kotlin"], "compile"))

    selected: dict[tuple[str, str], str] = {}
    unavailable: set[tuple[str, str, str]] = set()
    for round_ in range(1, 40):
        requested: dict[tuple[str, str], set[str]] = {}
        scope_of: dict[tuple[str, str], str] = {}
        packaging: dict[tuple[str, str], str] = {}
        missing: set[tuple[str, str, str]] = set()
        queue = []
        for ga, ver, scope in roots:
            requested.setdefault(ga, set()).add(ver)
            queue.append((ga, scope, frozenset()))
        seen: set[tuple[tuple[str, str], str]] = set()
        while queue:
            ga, scope, exclusions = queue.pop(0)
            if (ga, scope) in seen:
                continue
            seen.add((ga, scope))
            if RANK[scope] < RANK[scope_of.get(ga, "test")] or ga not in scope_of:
                scope_of[ga] = scope
            ver = selected.get(ga) or max(requested[ga] | constraints.get(ga, set()), key=version_key)
            try:
                pom = Pom.load(ga[0], ga[1], ver)
            except Missing as e:
                if e.args[0] in unavailable:
                    fail(f"{':'.join(e.args[0])} is what Gradle would resolve, and the Maven registry does not serve it: "
                         "choose a version it serves in android/gradle/libs.versions.toml")
                missing.add(e.args[0])
                continue
            packaging[ga] = pom.packaging
            if pom.gradle_published:
                for cga, cver in pom.own_managed.items():
                    constraints.setdefault(cga, set()).add(plain_version(cver))
            for d in pom.deps:
                if d["optional"] or d["scope"] not in ("compile", "runtime"):
                    continue
                dga = (d["group"], d["artifact"])
                if dga in exclusions or (d["group"], "*") in exclusions or ("*", "*") in exclusions:
                    continue
                if not d["version"]:
                    fail(f"{ga[0]}:{ga[1]}:{ver} asks for {dga[0]}:{dga[1]} with no version")
                requested.setdefault(dga, set()).add(plain_version(d["version"]))
                # compile: the app's compile classpath (compile-scope edges from its own
                # dependencies); runtime: the rest of what the APK carries; test: test-only.
                if scope == "test":
                    dscope = "test"
                elif scope == "compile" and d["scope"] == "compile":
                    dscope = "compile"
                else:
                    dscope = "runtime"
                queue.append((dga, dscope, exclusions | d["exclusions"]))
        if missing:
            log(f"resolution round {round_}: fetching {len(missing)} POMs")
            fetch({(g, a, ver, "pom", None) for g, a, ver in missing}, f"poms-{round_}", must=False)
            unavailable |= {m for m in missing if not m2_path(m[0], m[1], m[2], "pom").exists()}
            Pom.cache.clear()
            continue
        new = {}
        for ga, vs in requested.items():
            candidates = vs | constraints.get(ga, set())
            new[ga] = max(candidates, key=version_key)
        for family in ALIGNED:
            members = [ga for ga in new if family.match(f"{ga[0]}:{ga[1]}")]
            if members:
                top = max((new[ga] for ga in members), key=version_key)
                for ga in members:
                    new[ga] = top
        if new == selected:
            break
        selected = new
    else:
        fail("the dependency resolution did not settle")

    artifacts = []
    for ga, ver in sorted(selected.items()):
        kind = {"aar": "aar", "pom": None}.get(packaging.get(ga, "jar"), "jar")
        if kind:
            artifacts.append({"group": ga[0], "artifact": ga[1], "version": ver, "type": kind,
                              "classifier": None, "scope": scope_of.get(ga, "test")})
    raised = {ga: ver for ga, ver in selected.items() if ver != min(requested[ga], key=version_key)}
    log(f"dependencies: {len(artifacts)} modules; highest version won over a lower one asked for in {len(raised)}")
    return artifacts


def fetch_pom(group: str, artifact: str, version: str) -> Pom:
    try:
        return Pom.load(group, artifact, version)
    except Missing:
        fetch({(group, artifact, version, "pom", None)}, "bom")
        Pom.cache.clear()
        return Pom.load(group, artifact, version)


def download(catalog: Catalog, artifacts: list[dict]) -> list[dict]:
    """The files of the resolved artifacts and of the tools, downloaded by Maven when missing."""
    v = catalog.versions
    tools = [
        {"group": "org.robolectric", "artifact": "android-all", "version": v["robolectricAndroidAll"], "type": "jar", "classifier": None, "scope": "tool"},
        {"group": "org.robolectric", "artifact": "android-all-instrumented", "version": v["robolectricAndroidAll"] + "-i7", "type": "jar", "classifier": None, "scope": "tool"},
        {"group": "com.android.tools.build", "artifact": "aapt2", "version": v["aapt2"], "type": "jar", "classifier": "linux", "scope": "tool"},
    ]
    everything = artifacts + tools
    for a in everything:
        a["path"] = str(m2_path(a["group"], a["artifact"], a["version"], a["type"], a["classifier"]))
    missing = {(a["group"], a["artifact"], a["version"], a["type"], a["classifier"]) for a in everything if not Path(a["path"]).exists()}
    if missing:
        log(f"downloading {len(missing)} artifacts")
        fetch(missing, "artifacts")
    for a in everything:
        if not Path(a["path"]).exists():
            fail(f"Maven did not download {a['path']}")
    return everything


def run_mvn(args: list[str], logfile: Path, must: bool = True) -> None:
    with open(logfile, "w") as f:
        r = subprocess.run(MVN + args, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT)
    if r.returncode != 0 and must:
        sys.stderr.write(Path(logfile).read_text()[-4000:])
        fail(f"mvn {' '.join(args[2:3])} failed (log: {logfile})")


# ---------------------------------------------------------------- 3. unpack


class Library:
    """One AAR, unpacked once into target/android-ci/aar/."""

    def __init__(self, artifact: dict):
        self.artifact = artifact
        self.coords = f"{artifact['group']}:{artifact['artifact']}:{artifact['version']}"
        self.dir = OUT / "aar" / f"{artifact['group']}-{artifact['artifact']}-{artifact['version']}"
        if not (self.dir / ".done").exists():
            if self.dir.exists():
                shutil.rmtree(self.dir)
            self.dir.mkdir(parents=True)
            with zipfile.ZipFile(artifact["path"]) as z:
                for name in z.namelist():
                    if name == "classes.jar" or name.startswith(("res/", "libs/")) or name in ("AndroidManifest.xml", "R.txt"):
                        z.extract(name, self.dir)
            (self.dir / ".done").write_text("")
        manifest = self.dir / "AndroidManifest.xml"
        self.package = ET.parse(manifest).getroot().get("package") if manifest.exists() else None
        res = self.dir / "res"
        self.has_res = res.is_dir() and any(p.is_file() for p in res.rglob("*"))

    def jars(self) -> list[Path]:
        jars = [self.dir / "classes.jar"] if (self.dir / "classes.jar").exists() else []
        return jars + sorted((self.dir / "libs").glob("*.jar"))

    def symbols(self) -> set[tuple[str, str]]:
        r = self.dir / "R.txt"
        if not r.exists():
            return set()
        return {(line.split()[1], line.split()[2]) for line in r.read_text().splitlines() if len(line.split()) >= 3}


# ---------------------------------------------------------------- 4. resources


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def merge_manifests(app_manifest: Path, libraries: list[Library], config: dict[str, str], out: Path) -> None:
    """What AGP's manifest merger does for this app, in the small: the app's manifest first,
    the libraries' components and permissions added, tools:node="remove" honoured, placeholders
    and the package filled in."""
    ET.register_namespace("android", ANDROID_NS)
    ET.register_namespace("tools", TOOLS_NS)
    root = ET.parse(app_manifest).getroot()
    root.set("package", config["namespace"])
    root.set(q(ANDROID_NS, "versionCode"), config["versionCode"])
    root.set(q(ANDROID_NS, "versionName"), config["versionName"])
    if root.find("uses-sdk") is None:
        sdk = ET.Element("uses-sdk")
        sdk.set(q(ANDROID_NS, "minSdkVersion"), config["minSdk"])
        sdk.set(q(ANDROID_NS, "targetSdkVersion"), config["targetSdk"])
        root.insert(0, sdk)
    application = root.find("application")
    name_of = lambda e: e.get(q(ANDROID_NS, "name"))  # noqa: E731
    removed = {(e.tag, name_of(e)) for e in root.iter() if e.get(q(TOOLS_NS, "node")) == "remove"}
    for lib in libraries:
        path = lib.dir / "AndroidManifest.xml"
        if not path.exists():
            continue
        lib_root = ET.parse(path).getroot()
        for perm in lib_root.findall("uses-permission"):
            if not any(name_of(p) == name_of(perm) for p in root.findall("uses-permission")):
                root.append(perm)
        lib_app = lib_root.find("application")
        if lib_app is None:
            continue
        for component in lib_app:
            if (component.tag, name_of(component)) in removed:
                continue
            existing = next((e for e in application if e.tag == component.tag and name_of(e) == name_of(component)), None)
            if existing is None:
                application.append(component)
                continue
            for child in component:  # e.g. the androidx.startup provider's initializers
                if (child.tag, name_of(child)) in removed:
                    continue
                if not any(c.tag == child.tag and name_of(c) == name_of(child) for c in existing):
                    existing.append(child)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.get(q(TOOLS_NS, "node")) == "remove":
                parent.remove(child)
    for e in root.iter():
        for attr in [a for a in e.attrib if a.startswith(f"{{{TOOLS_NS}}}")]:
            del e.attrib[attr]
    text = ET.tostring(root, encoding="unicode").replace("${applicationId}", config["applicationId"])
    out.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + text)


def aapt2_compile(aapt2: Path, res: Path, out: Path) -> Path:
    """One res/ directory compiled to a .zip of flat files (skipped when unchanged)."""
    digest = hashlib.sha256()
    for p in sorted(res.rglob("*")):
        if p.is_file():
            digest.update(str(p.relative_to(res)).encode())
            digest.update(p.read_bytes())
    stamp = out.with_suffix(".sha256")
    if out.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return out
    r = subprocess.run([str(aapt2), "compile", "--dir", str(res), "-o", str(out)], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"aapt2 compile {res} failed:\n{r.stdout}{r.stderr}")
    stamp.write_text(digest.hexdigest())
    return out


def parse_r_txt(path: Path) -> list[tuple[str, str, str, str]]:
    """R.txt lines: (java type, resource type, name, value)."""
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4:
            rows.append((parts[0], parts[1], parts[2], parts[3]))
    return rows


def write_r_java(package: str, rows: list[tuple[str, str, str, str]], src_root: Path) -> None:
    by_type: dict[str, list[str]] = {}
    for java_type, res_type, name, value in rows:
        by_type.setdefault(res_type, []).append(f"    public static {java_type} {name} = {value};")
    body = "\n".join(
        f"  public static final class {res_type} {{\n  private {res_type}() {{}}\n" + "\n".join(fields) + "\n  }"
        for res_type, fields in sorted(by_type.items())
    )
    out = src_root / package.replace(".", "/") / "R.java"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"// Generated by android/ci/androidci.py from the linked resources.\npackage {package};\n\npublic final class R {{\n  private R() {{}}\n{body}\n}}\n")


def resources(catalog: Catalog, config: dict[str, str], artifacts: list[dict], libraries: list[Library]) -> dict[str, Path]:
    work = OUT / "res"
    work.mkdir(parents=True, exist_ok=True)
    tool = next(a for a in artifacts if a["artifact"] == "aapt2")
    aapt2_dir = OUT / "tools" / f"aapt2-{tool['version']}"
    aapt2 = aapt2_dir / "aapt2"
    if not aapt2.exists():
        aapt2_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tool["path"]) as z:
            z.extract("aapt2", aapt2_dir)
        aapt2.chmod(0o755)
    framework = Path(next(a for a in artifacts if a["artifact"] == "android-all")["path"])

    manifest = work / "AndroidManifest.xml"
    merge_manifests(APP / "src/main/AndroidManifest.xml", libraries, config, manifest)
    app_only_manifest = work / "AndroidManifest-app.xml"
    merge_manifests(APP / "src/main/AndroidManifest.xml", [], config, app_only_manifest)

    flats = []
    for lib in libraries:
        if lib.has_res:
            flats.append(aapt2_compile(aapt2, lib.dir / "res", work / f"{lib.dir.name}.zip"))
    app_flat = aapt2_compile(aapt2, APP / "src/main/res", work / "app.zip")

    common = [str(aapt2), "link", "-I", str(framework), "--auto-add-overlay",
              "--min-sdk-version", config["minSdk"], "--target-sdk-version", config["targetSdk"],
              "--version-code", config["versionCode"], "--version-name", config["versionName"]]
    apk = work / "resources.ap_"
    r_txt = work / "R.txt"
    cmd = common + ["--manifest", str(manifest), "-o", str(apk), "--output-text-symbols", str(r_txt)]
    for flat in flats + [app_flat]:
        cmd += ["-R", str(flat)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"aapt2 link failed:\n{r.stdout}{r.stderr}")
    # The app's own symbols: linked alone (its resources need only the framework's).
    app_r = work / "R-app.txt"
    r = subprocess.run(common + ["--manifest", str(app_only_manifest), "-o", str(work / "app-only.ap_"),
                                 "--output-text-symbols", str(app_r), "-R", str(app_flat)], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"aapt2 link of app/src/main/res failed:\n{r.stdout}{r.stderr}")

    linked = parse_r_txt(r_txt)
    src = work / "r-src"
    if src.exists():
        shutil.rmtree(src)
    own = {(t, n) for _, t, n, _ in parse_r_txt(app_r)}
    write_r_java(config["namespace"], [row for row in linked if (row[1], row[2]) in own], src)
    for lib in libraries:
        if lib.package and lib.package != config["namespace"]:
            names = lib.symbols()
            if names:
                write_r_java(lib.package, [row for row in linked if (row[1], row[2]) in names], src)
    classes = work / "r-classes"
    if classes.exists():
        shutil.rmtree(classes)
    classes.mkdir()
    java_files = [str(p) for p in src.rglob("*.java")]
    r = subprocess.run(["javac", "-nowarn", "--release", "17", "-d", str(classes)] + java_files, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"javac of the R classes failed:\n{r.stdout}{r.stderr}")
    jar = work / "r.jar"
    with zipfile.ZipFile(jar, "w") as z:
        for p in sorted(classes.rglob("*.class")):
            z.write(p, p.relative_to(classes))
    log(f"resources: {len(flats)} libraries' res and app/src/main/res linked against android-all {catalog.versions['robolectricAndroidAll']}; R for {len(java_files)} packages")
    return {"apk": apk, "manifest": manifest, "r_jar": jar, "r_src": src}


# ---------------------------------------------------------------- 5. the build pom


def build_pom(catalog: Catalog, artifacts: list[dict], libraries: list[Library], res: dict[str, Path]) -> Path:
    work = OUT / "build"
    work.mkdir(parents=True, exist_ok=True)
    libs_by_path = {str(lib.artifact["path"]): lib for lib in libraries}
    deps = []
    test_deps = []
    n = 0

    repo = OUT / "repo"

    def system(path: Path, scope: str, name: str, version: str) -> None:
        # The app's compile classpath: files as they are ("system" scope). Test-only files go
        # through a file repository with "test" scope, so the app's own code cannot compile
        # against them (as in Gradle, where they are testImplementation only).
        nonlocal n
        n += 1
        if scope == "compile":
            deps.append(dep_xml("perisai.ci", f"{n:03d}-{name}", "0", "system", path=str(path)))
            return
        artifact_dir = repo / "perisai" / "ci" / "test" / name / version
        artifact_dir.mkdir(parents=True, exist_ok=True)
        jar = artifact_dir / f"{name}-{version}.jar"
        if not jar.exists():
            shutil.copyfile(path, jar)
        (artifact_dir / f"{name}-{version}.pom").write_text(
            f"<project><modelVersion>4.0.0</modelVersion><groupId>perisai.ci.test</groupId><artifactId>{name}</artifactId>"
            f"<version>{version}</version></project>")
        test_deps.append(dep_xml("perisai.ci.test", name, version, "test"))

    for a in artifacts:
        if a["scope"] == "tool":
            continue
        scope = a["scope"]
        if a["type"] == "aar":
            lib = libs_by_path[a["path"]]
            for jar in lib.jars():
                system(jar, scope, f"{a['group']}.{a['artifact']}.{jar.stem}", a["version"])
        elif a["type"] == "jar":
            system(Path(a["path"]), scope, f"{a['group']}.{a['artifact']}", a["version"])
    framework = next(a for a in artifacts if a["artifact"] == "android-all")["path"]
    deps.append(dep_xml("perisai.ci", "android-all", "0", "system", path=framework))
    deps.append(dep_xml("perisai.ci", "r-classes", "0", "system", path=str(res["r_jar"])))
    deps += test_deps

    # Robolectric's view of the build (what AGP writes for includeAndroidResources = true).
    test_config = work / "test-config" / "com" / "android" / "tools"
    test_config.mkdir(parents=True, exist_ok=True)
    (test_config / "test_config.properties").write_text(
        f"android_resource_apk={res['apk']}\n"
        f"android_merged_manifest={res['manifest']}\n"
        f"android_custom_package={android_config()['namespace']}\n"
    )
    instrumented = next(a for a in artifacts if a["artifact"] == "android-all-instrumented")
    deps_dir = OUT / "robolectric-deps"
    deps_dir.mkdir(parents=True, exist_ok=True)
    target_jar = deps_dir / Path(instrumented["path"]).name
    if not target_jar.exists():
        os.symlink(instrumented["path"], target_jar)

    template = (CI / "build.pom.xml").read_text()
    values = {
        "@DEPENDENCIES@": "\n".join(deps),
        "@KOTLIN@": catalog.versions["kotlin"],
        "@ROOT@": str(ROOT),
        "@OUT@": str(OUT),
        "@M2@": str(M2),
        "@TEST_CONFIG@": str(work / "test-config"),
        "@ROBOLECTRIC_DEPS@": str(deps_dir),
        "@BINDINGS@": str(TARGET / "bindings" / "kotlin"),
        "@TARGET@": str(TARGET),
        "@REPO@": repo.as_uri(),
    }
    text = template
    for k, v in values.items():
        text = text.replace(k, v)
    pom = work / "pom.xml"
    pom.write_text(text)
    return pom


def resolved(catalog: Catalog, deps: list[dict]) -> list[dict]:
    """resolve() and download(), remembered until the catalog, the dependency list or this file change."""
    stamp = hashlib.sha256(json.dumps([deps, catalog.versions, Path(__file__).read_text()], sort_keys=True).encode()).hexdigest()
    cache = OUT / "resolve" / "resolved.json"
    if cache.exists():
        saved = json.loads(cache.read_text())
        if saved["stamp"] == stamp and all(Path(a["path"]).exists() for a in saved["artifacts"]):
            log(f"dependencies: {len(saved['artifacts'])} files (resolved before, same catalog)")
            return saved["artifacts"]
    artifacts = download(catalog, resolve(catalog, deps))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"stamp": stamp, "artifacts": artifacts}, indent=1))
    return artifacts


def prepare() -> None:
    catalog = Catalog(ANDROID / "gradle/libs.versions.toml")
    config = android_config()
    deps = gradle_dependencies(catalog)
    artifacts = resolved(catalog, deps)
    (OUT / "resolve").mkdir(parents=True, exist_ok=True)
    (OUT / "resolve" / "versions.json").write_text(json.dumps(
        {f"{a['group']}:{a['artifact']}": a["version"] for a in artifacts}, indent=1, sort_keys=True))
    libraries = [Library(a) for a in artifacts if a["type"] == "aar"]
    # What the APK carries: its manifests are merged, its resources linked (not the test-only ones).
    apk_libraries = [lib for lib in libraries if lib.artifact["scope"] in ("compile", "runtime")]
    res = resources(catalog, config, artifacts, apk_libraries)
    pom = build_pom(catalog, artifacts, libraries, res)
    print(pom)


def coverage() -> None:
    report = OUT / "build" / "target" / "site" / "jacoco" / "jacoco.csv"
    if not report.exists():
        fail(f"no JaCoCo report at {report}")
    covered = missed = 0
    for row in csv.DictReader(report.open()):
        covered += int(row["LINE_COVERED"])
        missed += int(row["LINE_MISSED"])
    total = covered + missed
    pct = 100.0 * covered / total if total else 0.0
    print(f"JaCoCo line coverage of the hand-written android/app Kotlin: {pct:.1f}% ({covered} of {total} lines)")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("prepare", "coverage"):
        fail("usage: androidci.py prepare|coverage")
    {"prepare": prepare, "coverage": coverage}[sys.argv[1]]()
