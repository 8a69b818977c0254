#!/usr/bin/python3
"""Checks that the deployment files built over the Debian packages name only
what the packages hold: every path, and every flag of the programs.

    check_deploy_files.py DEB_DIR VERSION FILE...

Each FILE must parse (YAML files as YAML). A path under /usr, /etc, /lib or
/var that a FILE names must be in a package, be written by the file itself
(cloud-init's write_files), or lie in a directory made at install
(each daemon's /var/lib directory, and /etc/prevent/certs, which the
operator fills). A --flag on a line that runs one
of the programs, or on a flag file's line, must be one of plan-service's,
sync-agent's or planctl's (their --help).

Where a file says which program a command runs (a compose service's or a
Kubernetes container's command and args, a healthcheck, a Containerfile's
CMD), each flag must be that program's, and what the file says elsewhere
must agree with it: the user it runs as is the uid the Containerfile gives
that program's package user; probes and healthchecks ask the port its
--health_listen serves; an agent's certificate is its organisation's; the
certificates it names are keys of the Secret mounted there; the
Containerfile copies packages that were built, and compose builds with it.
Exits 1, naming each problem as FILE:LINE or FILE, when anything is amiss.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

# Made by the packages' postinst and the units' StateDirectory=, and the
# certificates the operator makes with deploy/certs.sh (README, "Install and
# operate").
MADE_AT_INSTALL = ("/var/lib/prevent-plan-service", "/var/lib/prevent-sync-agent",
                   "/etc/prevent/certs")
PROGRAMS = ("plan-service", "sync-agent", "planctl")
# In every Debian 12 image, debian:12-slim included (login and apt are
# required packages), so a Containerfile may name them.
BASE_SYSTEM = ("/usr/sbin/nologin", "/var/lib/apt/lists")
CERTS = "/etc/prevent/certs"


def package_paths(deb_dir, version, root):
    paths = set()
    debs = sorted(glob.glob(os.path.join(deb_dir, f"*_{version}_amd64.deb")))
    if len(debs) != 3:
        sys.exit(f"expected the three packages of {version} in {deb_dir}, found {debs}")
    for deb in debs:
        listing = subprocess.run(["dpkg-deb", "-c", deb], check=True,
                                 capture_output=True, text=True).stdout
        for line in listing.splitlines():
            path = line.split()[5].lstrip(".").rstrip("/")
            if path:
                paths.add(path)
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    return paths


def program_flags(root):
    """Each program's flags, from its --help, and absl's own."""
    flags = {}
    for program in PROGRAMS:
        run = subprocess.run([os.path.join(root, "usr/bin", program), "--help"],
                             capture_output=True, text=True)
        flags[program] = set(re.findall(r"^\s+--([a-z][a-z0-9_]*) ",
                                        run.stdout + run.stderr, re.MULTILINE))
        flags[program].update({"flagfile", "help", "version"})
    return flags


def check_rules(path, document):
    """Prometheus alerting rules: each needs its name, expression, duration,
    severity, summary and description."""
    problems = []
    for group in document["groups"]:
        if not group.get("name") or not group.get("rules"):
            problems.append(f"{path}: a group needs a name and rules")
            continue
        for rule in group["rules"]:
            for key in ("alert", "expr", "for"):
                if not rule.get(key):
                    problems.append(f"{path}: rule {rule.get('alert')} has no {key}")
            if not re.fullmatch(r"\d+[smhd]", str(rule.get("for", ""))):
                problems.append(f"{path}: rule {rule.get('alert')}: for is not a duration")
            if (rule.get("labels") or {}).get("severity") not in ("warning", "critical"):
                problems.append(f"{path}: rule {rule.get('alert')} has no severity")
            for key in ("summary", "description"):
                if not (rule.get("annotations") or {}).get(key):
                    problems.append(f"{path}: rule {rule.get('alert')} has no {key}")
    return problems


def is_yaml(path):
    """A YAML file, or an example of one (secret.yaml.example)."""
    return path.removesuffix(".example").endswith((".yaml", ".yml"))


def program_of(word):
    """The program `word` runs (/usr/bin/plan-service, planctl), or None."""
    name = os.path.basename(str(word))
    return name if name in PROGRAMS else None


def flag_values(words):
    """{flag: value} of the --flag=value words in `words`."""
    values = {}
    for word in words:
        match = re.fullmatch(r"--([a-z][a-z0-9_]*)(?:=(.*))?", str(word))
        if match:
            values[match.group(1)] = match.group(2) or ""
    return values


def port_of(address):
    match = re.search(r":(\d+)$", address or "")
    return int(match.group(1)) if match else None


def check_command(where, words, flags):
    """`words` runs a program (its first word naming it): each --flag must be
    that program's. Returns (program, {flag: value}, problems)."""
    program = program_of(words[0]) if words else None
    if program is None:
        return None, {}, []
    problems = []
    for word in words[1:]:
        match = re.match(r"--([a-z][a-z0-9_]*)", str(word))
        if match and match.group(1) not in flags[program]:
            problems.append(f"{where}: --{match.group(1)} is no flag of {program}")
    return program, flag_values(words[1:]), problems


PACKAGE_USER = {"plan-service": "prevent-plan-service", "sync-agent": "prevent-sync-agent"}


def command_of(where, words, flags):
    """check_command, and a problem when `words` runs none of the programs."""
    program, values, problems = check_command(where, words, flags)
    if program is None:
        problems.append(f"{where}: runs none of {', '.join(PROGRAMS)}")
    return program, values, problems


def check_user(where, program, uid, image):
    """A container running `program` runs as its package's user."""
    user = PACKAGE_USER.get(program)
    if user is None:
        return []
    if user not in image["uids"]:
        return [f"{where}: the Containerfile gives {user} no uid"]
    if str(uid) != str(image["uids"][user]):
        return [f"{where}: runs {program} as {uid}, not as {user} ({image['uids'][user]})"]
    return []


def check_agent_certificate(where, program, values):
    """An agent presents its own organisation's certificate."""
    if program != "sync-agent" or "tls_cert" not in values:
        return []
    organisation = values.get("organisation", "").rpartition("/")[2]
    expected = f"{CERTS}/{organisation}.pem"
    if values["tls_cert"] != expected:
        return [f"{where}: --tls_cert is {values['tls_cert']}, not its "
                f"organisation's {expected}"]
    if values.get("tls_key") != f"{CERTS}/{organisation}.key":
        return [f"{where}: --tls_key is not its organisation's key"]
    return []


def as_list(words):
    """A compose or Kubernetes command: a list, or one string of words."""
    if words is None:
        return []
    return str(words).split() if isinstance(words, str) else list(words)


def check_compose(path, document, flags, image):
    problems = []
    folder = os.path.dirname(path)
    for name, service in (document.get("services") or {}).items():
        where = f"{path}: service {name}"
        build = service.get("build")
        if isinstance(build, dict):
            containerfile = os.path.normpath(os.path.join(
                folder, build.get("context", "."), build.get("dockerfile", "Dockerfile")))
            if not os.path.isfile(containerfile):
                problems.append(f"{where}: builds with {containerfile}, which is missing")
        words = as_list(service.get("entrypoint")) + as_list(service.get("command"))
        program, values, found = command_of(where, words, flags)
        problems += found
        if program is None:
            continue
        uid = str(service.get("user", image["user"])).split(":")[0]
        problems += check_user(where, program, uid, image)
        problems += check_agent_certificate(where, program, values)
        test = as_list((service.get("healthcheck") or {}).get("test"))
        if test[:1] == ["CMD"]:
            test = test[1:]
        probe, probe_values, found = check_command(f"{where} healthcheck", test, flags)
        problems += found
        if test and probe != "planctl":
            problems.append(f"{where}: the healthcheck does not run planctl")
        if probe == "planctl":
            health = port_of(values.get("health_listen"))
            if health is None:
                problems.append(f"{where}: a healthcheck, but no --health_listen")
            elif port_of(probe_values.get("server")) != health:
                problems.append(f"{where}: the healthcheck asks {probe_values.get('server')},"
                                f" not --health_listen's port {health}")
    return problems


def pod_spec(document):
    """The pod template of a workload (Pod, Deployment, StatefulSet,
    DaemonSet, ReplicaSet, Job, CronJob), or None."""
    kind, spec = document.get("kind"), document.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec")


def check_probes(where, container, values):
    """Probes ask the port --health_listen serves, on every address (the
    kubelet asks the pod's); readiness is a native gRPC probe."""
    problems = []
    listen = values.get("health_listen")
    health = port_of(listen)
    if health is not None and not re.fullmatch(r"(0\.0\.0\.0|\[::\]|):\d+", listen):
        problems.append(f"{where}: --health_listen={listen} is not on every address, "
                        "so the kubelet's probes cannot reach it")
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports") or []}
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container.get(kind)
        if not probe:
            continue
        if "grpc" not in probe and "tcpSocket" not in probe:
            problems.append(f"{where}: {kind} is neither a gRPC nor a TCP probe")
            continue
        port = (probe.get("grpc") or probe.get("tcpSocket"))["port"]
        port = ports.get(port, port)
        if health is None or port != health:
            problems.append(f"{where}: {kind} asks port {port}, not --health_listen's"
                            f" ({listen})")
    if not (container.get("readinessProbe") or {}).get("grpc"):
        problems.append(f"{where}: no native gRPC readiness probe")
    return problems


def check_secret_mounts(where, program, container, values, spec, secrets, image):
    """The certificate files a container names are keys of the Secret mounted
    there, which its user can read."""
    problems = []
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    fs_group = (spec.get("securityContext") or {}).get("fsGroup")
    for mount in container.get("volumeMounts") or []:
        secret = (volumes.get(mount["name"]) or {}).get("secret")
        if not secret:
            continue
        name = secret.get("secretName")
        if name not in secrets:
            problems.append(f"{where}: mounts Secret {name}, which no file defines")
            continue
        if secret.get("items"):
            problems.append(f"{where}: Secret {name} is mounted with items; name its "
                            "keys as files instead")
        mode = secret.get("defaultMode", 0o644)
        user = PACKAGE_USER.get(program)
        if not mode & 0o004 and str(fs_group) != str(image["gids"].get(user)):
            problems.append(f"{where}: Secret {name} is mode {mode:o}, but fsGroup "
                            f"{fs_group} is not {user}'s group ({image['gids'].get(user)})")
        for value in values.values():
            if value.startswith(mount["mountPath"] + "/"):
                key = value[len(mount["mountPath"]) + 1:]
                if key not in secrets[name]:
                    problems.append(f"{where}: names {value}, but Secret {name} has no {key}")
    return problems


def check_pod(path, spec, flags, image, secrets):
    problems = []
    context = spec.get("securityContext") or {}
    for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        where = f"{path}: container {container.get('name')}"
        words = as_list(container.get("command")) + as_list(container.get("args"))
        program, values, found = command_of(where, words, flags)
        problems += found
        if program is None:
            continue
        security = dict(context, **(container.get("securityContext") or {}))
        problems += check_user(where, program, security.get("runAsUser"), image)
        problems += check_agent_certificate(where, program, values)
        if program in PACKAGE_USER:
            problems += check_probes(where, container, values)
        problems += check_secret_mounts(where, program, container, values, spec, secrets,
                                        image)
    return problems


def check_containerfile(path, text, deb_dir, version, flags):
    """The image copies the packages that were built, and runs a program with
    that program's flags. Returns (problems, image): the uid and gid of each
    user it makes, and the uid it runs as."""
    problems = []
    joined = text.replace("\\\n", " ")  # continued lines as one
    image = {
        "uids": {m.group(2): m.group(1) for m in
                 re.finditer(r"useradd\b[^;\n]*--uid (\d+)[^;\n]*?\s([a-z][a-z-]*);", joined)},
        "gids": {m.group(2): m.group(1) for m in
                 re.finditer(r"groupadd\b[^;\n]*--gid (\d+)[^;\n]*?\s([a-z][a-z-]*);", joined)},
        "user": (re.findall(r"^USER (\d+)", joined, re.MULTILINE) or [""])[-1],
    }
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", joined, re.MULTILINE))
    if args.get("VERSION") != version:
        problems.append(f"{path}: ARG VERSION is {args.get('VERSION')}, not {version}")
    copy = re.search(r"^COPY (.*)$", joined, re.MULTILINE)
    sources = copy.group(1).split()[:-1] if copy else []
    if not sources:
        problems.append(f"{path}: copies no package")
    for source in sources:
        name = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), source)
        if not os.path.isfile(os.path.join(deb_dir, name)):
            problems.append(f"{path}: copies {name}, which the build did not make")
    words = []
    for instruction in ("ENTRYPOINT", "CMD"):
        found = re.findall(rf"^{instruction} (.*)$", joined, re.MULTILINE)
        if not found:
            continue
        try:
            words += json.loads(found[-1])
        except ValueError:
            problems.append(f"{path}: {instruction} is not in exec form "
                            "([\"/usr/bin/PROGRAM\", ...]), so it cannot be checked")
    problems += command_of(f"{path}: ENTRYPOINT and CMD", words, flags)[2]
    return problems, image


def check(path, packaged, flags, structured):
    problems = []
    text = open(path, encoding="utf-8").read()
    written = set()
    if is_yaml(path):
        try:
            documents = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as error:
            return [f"{path}: not YAML: {error}"]
        if not documents:
            return [f"{path}: no YAML document"]
        for document in documents:
            if isinstance(document, dict):
                for entry in document.get("write_files", []) or []:
                    written.add(entry["path"])
                if "groups" in document:
                    problems += check_rules(path, document)
                problems += structured(path, document)
    every_flag = set().union(*flags.values())
    for number, line in enumerate(text.splitlines(), 1):
        for found in re.findall(r"(?<![\w./-])(/(?:usr|etc|lib|var)/[\w./@-]*[\w])", line):
            if (found in packaged or found in written or found in BASE_SYSTEM or
                    any(found == d or found.startswith(d + "/") for d in MADE_AT_INSTALL)):
                continue
            problems.append(f"{path}:{number}: {found} is in no package")
        # Flags count on a line that runs one of the programs, or that is a
        # flag file's line (or one commented out, to be uncommented); others
        # belong to other tools (systemctl --now). A flag file's are its
        # program's; a line's, those of the programs it runs (a program's
        # name as a word of its own: not --hosts=plan-service).
        # A YAML list's flags are its command's, and a Containerfile's CMD's,
        # checked above; its RUN lines are shell.
        if ((re.match(r"\s*- [\"']?--", line) and is_yaml(path)) or
                os.path.basename(path) == "Containerfile"):
            continue
        named = re.findall(r"(?:^|(?<=[\s\"'\[/`]))(plan-service|sync-agent|planctl)"
                           r"(?=[\s\"',\]`]|$)", line)
        owner = program_of(os.path.basename(path).split(".")[0])
        if line.strip().lstrip("#").startswith("--") and owner:
            allowed = flags[owner]
        elif named:
            allowed = set().union(*(flags[p] for p in named))
        elif line.strip().lstrip("#").startswith("--"):
            allowed = every_flag
        else:
            continue
        for flag in re.findall(r"(?<![\w-])--([a-z][a-z0-9_]*)", line):
            if flag not in allowed:
                problems.append(f"{path}:{number}: --{flag} is no flag of "
                                f"{', '.join(named or ([owner] if owner else PROGRAMS))}")
    return problems


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    deb_dir, version, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as root:
        packaged = package_paths(deb_dir, version, root)
        flags = program_flags(root)
        problems, image = [], {"uids": {}, "gids": {}, "user": ""}
        for path in files:
            if os.path.basename(path) == "Containerfile":
                found, image = check_containerfile(
                    path, open(path, encoding="utf-8").read(), deb_dir, version, flags)
                problems += found
        # Every Secret the files define, by name: its keys.
        secrets = {}
        for path in files:
            if is_yaml(path):
                for document in yaml.safe_load_all(open(path, encoding="utf-8")):
                    if isinstance(document, dict) and document.get("kind") == "Secret":
                        secrets[document["metadata"]["name"]] = set(
                            (document.get("stringData") or {}) | (document.get("data") or {}))

        def structured(path, document):
            if "services" in document:
                return check_compose(path, document, flags, image)
            spec = pod_spec(document)
            return check_pod(path, spec, flags, image, secrets) if spec else []

        for path in files:
            problems += check(path, packaged, flags, structured)
    for problem in problems:
        print(problem)
    print(f"checked {len(files)} files against {len(packaged)} packaged paths "
          f"and {len(set().union(*flags.values()))} flags: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
