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
sync-agent's or planctl's (their --help). Exits 1, naming
each problem as FILE:LINE, when anything is amiss.
"""
import glob
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
    flags = set()
    for program in PROGRAMS:
        run = subprocess.run([os.path.join(root, "usr/bin", program), "--help"],
                             capture_output=True, text=True)
        flags.update(re.findall(r"^\s+--([a-z][a-z0-9_]*) ", run.stdout + run.stderr,
                                re.MULTILINE))
    # absl's own, which every program takes.
    flags.update({"flagfile", "help", "version"})
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


def check(path, packaged, flags):
    problems = []
    text = open(path, encoding="utf-8").read()
    written = set()
    if path.endswith((".yaml", ".yml")):
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
    for number, line in enumerate(text.splitlines(), 1):
        for found in re.findall(r"(?<![\w./-])(/(?:usr|etc|lib|var)/[\w./@-]*[\w])", line):
            if (found in packaged or found in written or
                    any(found == d or found.startswith(d + "/") for d in MADE_AT_INSTALL)):
                continue
            problems.append(f"{path}:{number}: {found} is in no package")
        # Flags count on a line that runs one of the programs, or that is a
        # flag file's line (or one commented out, to be uncommented); others
        # belong to other tools (systemctl --now).
        ours = (line.strip().lstrip("#").startswith("--") or
                re.search(r"(?<![\w-])(plan-service|sync-agent|planctl)(?![\w.-])", line))
        for flag in re.findall(r"(?<![\w-])--([a-z][a-z0-9_]*)", line) if ours else []:
            if flag not in flags:
                problems.append(f"{path}:{number}: --{flag} is no flag of {', '.join(PROGRAMS)}")
    return problems


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    deb_dir, version, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as root:
        packaged = package_paths(deb_dir, version, root)
        flags = program_flags(root)
        problems = []
        for path in files:
            problems += check(path, packaged, flags)
    for problem in problems:
        print(problem)
    print(f"checked {len(files)} files against {len(packaged)} packaged paths "
          f"and {len(flags)} flags: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
