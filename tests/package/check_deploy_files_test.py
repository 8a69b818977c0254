#!/usr/bin/python3
"""Shows that check_deploy_files.py fails on each kind of mistake it is
there to catch: copies of the real deployment files, each with one mistake,
must each be refused with the expected problem, and the real files pass.

    check_deploy_files_test.py SOURCE_DIR DEB_DIR VERSION
"""
import os
import shutil
import subprocess
import sys
import tempfile

# (file under deploy/, text to replace, its replacement, a problem expected)
MISTAKES = [
    ("k8s/statefulset.yaml", "grpc:\n              port: 8081\n            periodSeconds: 10",
     "grpc:\n              port: 8082\n            periodSeconds: 10",
     "readinessProbe asks port 8082, not --health_listen's"),
    ("k8s/statefulset.yaml", "runAsUser: 10001", "runAsUser: 10002",
     "runs plan-service as 10002, not as prevent-plan-service (10001)"),
    ("k8s/statefulset.yaml", "- --log_format=json", "- --schedule=every:5m",
     "--schedule is no flag of plan-service"),
    ("k8s/statefulset.yaml", "--tls_key=/etc/prevent/certs/service.key",
     "--tls_key=/etc/prevent/certs/server.key",
     "names /etc/prevent/certs/server.key, but Secret prevent-plan-service-tls has no server.key"),
    ("k8s/statefulset.yaml", "- --health_listen=0.0.0.0:8081\n", "",
     "startupProbe asks port 8081, not --health_listen's (None)"),
    ("k8s/statefulset.yaml", "readinessProbe:\n            grpc:",
     "readinessProbe:\n            tcpSocket:", "no native gRPC readiness probe"),
    ("compose.yaml", "--tls_cert=/etc/prevent/certs/staffordshire-police.pem",
     "--tls_cert=/etc/prevent/certs/south-staffordshire-council.pem",
     "service police: --tls_cert is /etc/prevent/certs/south-staffordshire-council.pem"),
    ("compose.yaml", '"--server=127.0.0.1:8081", "health"',
     '"--server=127.0.0.1:50051", "health"',
     "service plan-service: the healthcheck asks 127.0.0.1:50051, not --health_listen's port 8081"),
    ("compose.yaml", '    user: "10002:10002"\n    command:\n      - /usr/bin/sync-agent',
     '    user: "10001:10001"\n    command:\n      - /usr/bin/sync-agent',
     "runs sync-agent as 10001, not as prevent-sync-agent (10002)"),
    ("compose.yaml", "      - --seed=/srv/demo/seed.textproto",
     "      - --seed=/srv/demo/seed.textproto\n      - --plans=plans/south-staffordshire",
     "service plan-service: --plans is no flag of plan-service"),
    ("compose.yaml", "dockerfile: ../deploy/container/Containerfile",
     "dockerfile: ../deploy/Containerfile", "which is missing"),
    ("container/Containerfile", "ARG VERSION=", "ARG VERSION=1", "ARG VERSION is 1"),
    ("container/Containerfile", "planctl_${VERSION}_${ARCH}.deb", "plan-ctl_${VERSION}_${ARCH}.deb",
     "copies plan-ctl_"),
    ("container/Containerfile", "/usr/bin/plan-service", "/usr/sbin/plan-service",
     "/usr/sbin/plan-service is in no package"),
    ("etc/plan-service.flags", "--shutdown_grace=10s", "--schedule=every:5m",
     "--schedule is no flag of plan-service"),
    ("k8s/statefulset.yaml", "--health_listen=0.0.0.0:8081", "--health_listen=127.0.0.1:8081",
     "--health_listen=127.0.0.1:8081 is not on every address"),
    ("k8s/statefulset.yaml", "        fsGroup: 10001\n", "",
     "Secret prevent-plan-service-tls is mode 440, but fsGroup None is not "
     "prevent-plan-service's group (10001)"),
    ("container/Containerfile", "--system --gid 10001", "--system --gid 10003",
     "fsGroup 10001 is not prevent-plan-service's group (10003)"),
    ("container/Containerfile", 'CMD ["/usr/bin/plan-service", "--flagfile=/etc/prevent/plan-service.flags"]',
     "CMD /usr/bin/plan-service --flagfile=/etc/prevent/plan-service.flags",
     "CMD is not in exec form"),
    ("compose.yaml", '    user: "10002:10002"\n    command:\n      - /usr/bin/sync-agent',
     '    command:\n      - /usr/bin/sync-agent',
     "service police: runs sync-agent as 10001, not as prevent-sync-agent (10002)"),
    ("k8s/statefulset.yaml", "      containers:\n",
     "      initContainers:\n        - name: check\n          command: [\"/usr/bin/planctl\"]\n"
     "          args: [\"--tls_cert=/etc/prevent/certs/service.pem\", \"--listen=x\", \"health\"]\n"
     "      containers:\n",
     "container check: --listen is no flag of planctl"),
]
FILES = ["container/Containerfile", "compose.yaml", "k8s/statefulset.yaml", "k8s/secret.yaml.example",
         "k8s/service.yaml", "k8s/networkpolicy.yaml", "etc/plan-service.flags"]


def run_checker(checker, deploy, deb_dir, version):
    run = subprocess.run([sys.executable, checker, deb_dir, version] +
                         [os.path.join(deploy, f) for f in FILES],
                         capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source, deb_dir, version = sys.argv[1:]
    checker = os.path.join(source, "tests/package/check_deploy_files.py")
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        deploy = os.path.join(scratch, "deploy")
        for f in FILES:
            os.makedirs(os.path.dirname(os.path.join(deploy, f)), exist_ok=True)
        code, output = run_checker(checker, os.path.join(source, "deploy"), deb_dir, version)
        if code != 0:
            print(f"the real files fail:\n{output}")
            failures += 1
        for path, old, new, expected in MISTAKES:
            for f in FILES:
                shutil.copy(os.path.join(source, "deploy", f), os.path.join(deploy, f))
            target = os.path.join(deploy, path)
            text = open(target, encoding="utf-8").read()
            if old not in text:
                print(f"{path}: the test's text {old!r} is no longer there; update the test")
                failures += 1
                continue
            open(target, "w", encoding="utf-8").write(text.replace(old, new, 1))
            code, output = run_checker(checker, deploy, deb_dir, version)
            if code != 1 or expected not in output:
                print(f"{path}: {old!r} -> {new!r} was not refused with {expected!r}:\n{output}")
                failures += 1
    print(f"{len(MISTAKES)} mistakes tried, {failures} not caught")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
