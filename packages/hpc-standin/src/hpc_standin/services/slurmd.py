"""One node's slurmd: `slurmd -N <node>`, on the platform's layout in namespaces of its own, where
it has the node's host name, the nodes' /etc/hosts and its node-local folder over the jobs' folders
(hpc_standin.nodes), and the instance's memory cgroup (hpc_standin.cgroups)."""

from __future__ import annotations

from .. import cgroups
from ..nodes import Node, node_folder
from . import Service


class Slurmd(Service):
    comm = "slurmd"

    def __init__(self, instance, node: Node) -> None:
        super().__init__(instance)
        self.node = node
        self.name = f"slurmd-{node.name}"
        self.pid_name = f"slurm/slurmd-{node.name}.pid"  # slurm.conf's SlurmdPidFile, %n its name

    def configure(self) -> None:
        (node_folder(self.paths, self.node) / "tmp").mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        self.launch(self.command(), self.instance.daemon_env())

    def command(self) -> list:
        paths, layout, node = self.paths, self.instance.layout, self.node
        command = ["slurmd", "-f", paths.slurm_conf, "-N", node.name]
        if not layout.isolated:
            return command
        inside = ('hostname "$1" && mount --bind "$2" /etc/hosts && mount --bind "$3" "$4" && '
                  'shift 4 && if [ "$1" != - ]; then mount --bind "$1" "$2"; fi && shift 2 && exec "$@"')
        memory = cgroups.bind_arguments(paths) if layout.memory_cgroups else ["-", "-"]
        return ["unshare", "--uts", "--mount", "--propagation", "private", "--", "sh", "-c", inside,
                "sh", node.host_name, paths.state / "etc" / "hosts", node_folder(paths, node) / "tmp",
                paths.state / "tmp", *memory, *command]
