#!/usr/bin/python3
"""Turns the rendered k8s/ manifests (kubectl kustomize k8s/) into Pods that
`podman kube play` (podman 4.3) can run on one machine, for scripts/e2e-container.sh.

Only what a single host without a cluster forces is changed; commands, arguments,
environment, mounts and security contexts stay exactly as the manifests have them:
  - Deployment, Job and CronJob become kind Pod with their pod template's spec,
    restartPolicy Never (podman 4.3 restarts finished init containers under Always) and
    hostNetwork (the MariaDB under test listens on the host);
  - images bamort-deploy:* become the image under test; the Bamort backend image does
    not exist here, so the backend container runs `bamort-status` from the image under
    test instead, with the backend's own environment (DATABASE_URL from its Secret):
    exit 0 means the schema fitted the backend when the backend would have started;
    its port list goes (podman refuses port mappings together with hostNetwork);
  - PersistentVolumeClaims and the reports emptyDir become host folders, so the test can
    read the reports and backup sets afterwards;
  - the bamort-db Secret volume becomes a host folder holding the password file: podman
    4.3.1's kube play crashes on any secret volume (a nil secrets manager in
    VolumeFromSecret); env secretKeyRef works and stays;
  - the ConfigMap bamort-db gets the test server's host, port, database and user.

Usage: k8s_pods.py --image IMG --db-host H --db-port P --db-name N --db-user U \
                   --host-dir DIR --out DIR < rendered.yaml
Writes configmap.yaml, backend-1.yaml, backend-2.yaml, migrate-job.yaml and
backup-cronjob.yaml into --out.
"""
import argparse
import copy
import os
import sys

import yaml


def find(docs, kind, name):
    for doc in docs:
        if doc and doc.get("kind") == kind and doc["metadata"]["name"] == name:
            return doc
    sys.exit(f"k8s_pods.py: the rendered manifests have no {kind} {name}")


def pod(name, pod_spec, args, host_dir, emptydir_to_host=()):
    spec = copy.deepcopy(pod_spec)
    spec["restartPolicy"] = "Never"
    spec["hostNetwork"] = True
    for container in spec.get("initContainers", []) + spec.get("containers", []):
        container.pop("ports", None)  # podman refuses port mappings with hostNetwork
        if container["image"].split(":")[0] == "bamort-deploy":
            container["image"] = args.image
        elif container["image"].split(":")[0] == "bamort-backend":
            container["image"] = args.image
            container["command"] = ["bamort-status"]
    for volume in spec.get("volumes", []):
        if "secret" in volume and volume["secret"]["secretName"] == "bamort-db":
            del volume["secret"]
            volume["hostPath"] = {"path": os.path.join(host_dir, "secret-bamort-db"), "type": "Directory"}
        elif "persistentVolumeClaim" in volume:
            claim = volume.pop("persistentVolumeClaim")["claimName"]
            volume["hostPath"] = {"path": os.path.join(host_dir, "pvc-" + claim), "type": "Directory"}
        elif "emptyDir" in volume and volume["name"] in emptydir_to_host:
            del volume["emptyDir"]
            volume["hostPath"] = {"path": os.path.join(host_dir, name + "-" + volume["name"]), "type": "Directory"}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def main():
    parser = argparse.ArgumentParser()
    for option in ("--image", "--db-host", "--db-port", "--db-name", "--db-user", "--host-dir", "--out"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    docs = list(yaml.safe_load_all(sys.stdin))

    configmap = copy.deepcopy(find(docs, "ConfigMap", "bamort-db"))
    configmap["metadata"].pop("namespace", None)
    configmap["data"].update({"BAMORT_DB_HOST": args.db_host, "BAMORT_DB_PORT": str(args.db_port),
                              "BAMORT_DB_NAME": args.db_name, "BAMORT_DB_USER": args.db_user})

    backend = find(docs, "Deployment", "bamort-backend")["spec"]["template"]["spec"]
    job = find(docs, "Job", "bamort-migrate")["spec"]["template"]["spec"]
    cron = find(docs, "CronJob", "bamort-backup")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    out = {
        "configmap.yaml": configmap,
        # Two replicas of the Deployment, started one after the other.
        "backend-1.yaml": pod("bamort-backend-1", backend, args, args.host_dir, ("reports",)),
        "backend-2.yaml": pod("bamort-backend-2", backend, args, args.host_dir, ("reports",)),
        "migrate-job.yaml": pod("bamort-migrate-job", job, args, args.host_dir),
        "backup-cronjob.yaml": pod("bamort-backup-cron", cron, args, args.host_dir),
    }
    os.makedirs(args.out, exist_ok=True)
    for file_name, doc in out.items():
        with open(os.path.join(args.out, file_name), "w", encoding="utf-8") as f:
            yaml.safe_dump(doc, f, sort_keys=False)


if __name__ == "__main__":
    main()
