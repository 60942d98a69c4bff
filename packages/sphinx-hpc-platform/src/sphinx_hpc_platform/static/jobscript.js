/* The rules that turn a reader's choices into a job script, as the guide teaches them.
 *
 * Pure functions, no page: `JobScript.check(choice, facts)` lists what the platform refuses,
 * `JobScript.build(choice, facts)` gives the script as lines of [code, comment key, values], and
 * `JobScript.review(script, facts)` says where a job script written by hand breaks these rules.
 * The comments are keys of the page's messages (translated with the page); the code is never
 * translated. `facts` comes from platform.toml (sphinx_hpc_platform.builder).
 */
(function (root) {
  "use strict";

  var KINDS = ["one", "threads", "pool", "dask", "mpi", "array"];
  var ENVIRONMENTS = ["none", "home", "tmpdir"];
  // What each kind of job gives the libraries' threads, and the comment that says why.
  var THREADS = {
    one: ["1", "comment.one-thread-one"],
    threads: ["$SLURM_CPUS_PER_TASK", "comment.threads"],
    pool: ["1", "comment.one-thread-pool"],
    dask: ["1", "comment.one-thread-dask"],
    mpi: ["$SLURM_CPUS_PER_TASK", "comment.threads-mpi"],
    array: ["$SLURM_CPUS_PER_TASK", "comment.threads-array"]
  };

  function partitionOf(facts, name) {
    return facts.partitions.filter(function (p) { return p.name === name; })[0];
  }

  function largest(nodes, measure) {
    return nodes.reduce(function (best, n) { return !best || n[measure] > best[measure] ? n : best; }, null);
  }

  /* The nodes of the partition a job asking for `gpus` GPUs (of `type`, if it names one) may run
   * on: any node without GPUs; with GPUs, the GPU nodes of one type, the one --gpus-per-node names:
   * the type of the largest node that has as many GPUs, else of the node with the most GPUs. */
  function nodesFor(partition, gpus, type) {
    if (!(gpus > 0)) return partition.nodes;
    var withGpus = partition.nodes.filter(function (n) { return n.gpus > 0 && (!type || n.gpu_type === type); });
    var enough = withGpus.filter(function (n) { return n.gpus >= gpus; });
    var chosen = enough.length ? largest(enough, "cores") : largest(withGpus, "gpus");
    return withGpus.filter(function (n) { return n.gpu_type === chosen.gpu_type; });
  }

  function gpuTypeOf(partition, gpus) {
    var nodes = nodesFor(partition, gpus);
    return nodes.length ? nodes[0].gpu_type : "";
  }

  function minutes(time) {
    var parts = String(time).split(":").map(Number);
    return parts.length === 2 && parts.every(function (n) { return Number.isInteger(n) && n >= 0; })
      ? parts[0] * 60 + parts[1] : NaN;
  }

  // What one node must have for the job, in this order, with the field and the message of each.
  var NODE_LIMITS = [["gpus", "gpus", "error.gpus"], ["cores", "cores", "error.cores"],
                     ["memory", "memory_gb", "error.memory"]];

  /* The platform's limits that a job asking `asked` ({cores, memory in GB, gpus, gpu_type, minutes,
   * tasks}) of a partition goes over, as [field, message key, the limit]: the form's check and the
   * review of a script share them. Each task of the job must fit on one node of the partition:
   * its GPUs, then its cores, then its memory, each limit the most of the partition's nodes that
   * have what the limits before it ask (a job with GPUs runs on a GPU node, with that node's cores
   * and memory). A job of several tasks needs room for all of them on the partition's nodes. */
  function overLimits(partition, asked) {
    var nodes = nodesFor(partition, asked.gpus, asked.gpu_type);
    if (!nodes.length) return [["gpus", asked.gpu_type ? "review.gpu-type" : "error.gpu",
                                asked.gpu_type || partition.name]];
    var problems = [];
    var candidates = nodes;
    NODE_LIMITS.forEach(function (limit) {
      var wanted = asked[limit[0]];
      if (!(wanted > 0)) return;  // none asked, or not a number: the form's own checks say so
      var most = Math.max.apply(null, candidates.map(function (n) { return n[limit[1]]; }));
      if (wanted > most) problems.push([limit[0], limit[2], most]);
      else candidates = candidates.filter(function (n) { return n[limit[1]] >= wanted; });
    });
    if (asked.minutes > partition.time_limit_days * 1440) {
      problems.push(["time", "error.time", partition.time_limit_days]);
    }
    var fits = !problems.some(function (p) { return p[0] === "gpus" || p[0] === "cores"; });
    if (asked.tasks > 1 && asked.cores >= 1 && fits) {
      // Tasks may spread over the nodes (those with the GPUs each node is asked for): each node
      // holds as many as it has cores for.
      var room = nodes.reduce(function (sum, n) {
        return sum + (n.gpus >= (asked.gpus || 0) ? n.count * Math.floor(n.cores / asked.cores) : 0);
      }, 0);
      if (asked.tasks > room) problems.push(["tasks", "error.tasks", room]);
    }
    return problems;
  }

  /* What the platform would refuse, as [field, message key, the limit]. */
  function check(choice, facts) {
    var partition = partitionOf(facts, choice.partition);
    if (!partition) return [["partition", "error.partition", choice.partition]];
    var asked = {cores: choice.cores, memory: choice.memory, gpus: choice.gpus, minutes: minutes(choice.time),
                 tasks: choice.kind === "mpi" ? choice.tasks : 1};  // an array's tasks are jobs of their own
    var problems = overLimits(partition, asked);
    if (!(choice.cores >= 1)) problems.push(["cores", "error.cores-min", 1]);
    if (!(choice.memory >= 1)) problems.push(["memory", "error.memory-min", 1]);
    if (!(asked.minutes > 0)) problems.push(["time", "error.time-format", "HH:MM"]);
    if (choice.kind === "one" && choice.cores > 1) problems.push(["cores", "error.cores-one", 1]);
    if (choice.kind === "dask" && choice.environment === "none") {
      problems.push(["environment", "error.dask-env", "distributed"]);
    }
    if (choice.kind === "array" && !(choice.tasks >= 1)) problems.push(["tasks", "error.tasks-min", 1]);
    if (choice.kind === "mpi" && !(choice.tasks >= 2)) problems.push(["tasks", "error.tasks-min", 2]);
    return problems;
  }

  function hhmm(time) {
    var total = minutes(time);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var days = Math.floor(total / 1440), rest = total % 1440;
    return (days ? days + "-" : "") + pad(Math.floor(rest / 60)) + ":" + pad(rest % 60) + ":00";
  }

  /* The script: [code, comment key or null, values for the comment]. */
  function build(choice, facts) {
    var partition = partitionOf(facts, choice.partition);
    var lines = [];
    var add = function (code, comment, values) { lines.push([code, comment || null, values || {}]); };
    var mpi = choice.kind === "mpi", array = choice.kind === "array";
    add("#!/bin/bash");
    add("#SBATCH --job-name=" + choice.kind + "-job", "comment.name");
    add("#SBATCH --partition=" + choice.partition, "comment.partition");
    add("#SBATCH --time=" + hhmm(choice.time), "comment.time", {days: partition.time_limit_days});
    if (mpi) {
      add("#SBATCH --ntasks=" + choice.tasks, "comment.ntasks");
      add("#SBATCH --cpus-per-task=" + choice.cores, "comment.cpus-mpi");
      add("#SBATCH --mem-per-cpu=" + Math.max(1, Math.floor(choice.memory / (choice.tasks * choice.cores))) + "G",
          "comment.mem-per-cpu");
    } else {
      add("#SBATCH --cpus-per-task=" + choice.cores, "comment.cpus-" + choice.kind);
      add("#SBATCH --mem=" + choice.memory + "G", "comment.mem");
    }
    if (choice.gpus > 0) {
      add("#SBATCH --gpus-per-node=" + gpuTypeOf(partition, choice.gpus) + ":" + choice.gpus, "comment.gpus");
    }
    if (array) {
      add("#SBATCH --array=0-" + (choice.tasks - 1), "comment.array");
      add("#SBATCH --output=%x-%A_%a.out", "comment.output-array");
    } else {
      add("#SBATCH --output=%x-%j.out", "comment.output");
    }
    add("");
    var modules = "module load python/" + choice.python + " scipy-stack/" + choice.scipy;
    add(mpi ? modules + " mpi4py/" + facts.mpi4py : modules, "comment.modules");
    if (choice.environment === "home") {
      add("source ~/venv/" + choice.venv + "/bin/activate", "comment.env-home");
    } else if (choice.environment === "tmpdir") {
      var install = ["virtualenv --no-download $SLURM_TMPDIR/env", "source $SLURM_TMPDIR/env/bin/activate",
                     "pip install --no-index --upgrade pip", "pip install --no-index -r requirements.txt"];
      if (mpi) {
        add("srun --ntasks=$SLURM_NNODES --tasks-per-node=1 bash << EOF", "comment.env-per-node");
        install.forEach(function (line) { add(line); });
        add("EOF");
        add("source $SLURM_TMPDIR/env/bin/activate", "comment.env-activate");
      } else {
        add(install[0], "comment.env-tmpdir");
        add(install[1]);
        add(install[2]);
        add(install[3], "comment.env-requirements");
      }
    }
    add("");
    // The threads of NumPy and SciPy: the job's cores for one process, one for each process of a
    // pool or Dask. MKL, behind them on the platform, reads its own variable before OMP's.
    var threads = THREADS[choice.kind];
    add("export OMP_NUM_THREADS=" + threads[0], threads[1]);
    add("export MKL_NUM_THREADS=$OMP_NUM_THREADS", "comment.mkl");
    // srun of Slurm 22.05 to 23.02 (the platform's) gives each task one core unless asked again.
    if (mpi && choice.cores > 1) add("srun --cpus-per-task=$SLURM_CPUS_PER_TASK python -u program.py", "comment.run-mpi-threads");
    else if (mpi) add("srun python -u program.py", "comment.run-mpi");
    else if (array) add("python -u program.py $SLURM_ARRAY_TASK_ID", "comment.run-array");
    else add("python -u program.py", "comment.run-" + choice.kind);
    return lines;
  }

  // The values a thread variable may take in a job script: the job's cores, or one.
  var THREAD_VALUES = ["1", "$SLURM_CPUS_PER_TASK", "${SLURM_CPUS_PER_TASK}", "${SLURM_CPUS_PER_TASK:-1}"];
  var SHORT_OPTIONS = {c: "cpus-per-task", n: "ntasks", N: "nodes", t: "time", p: "partition", G: "gpus"};

  /* Slurm's time formats (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS) in minutes. */
  function slurmMinutes(value) {
    var match = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(value);
    if (!match) return NaN;
    var days = Number(match[1] || 0), parts = match.slice(2).filter(Boolean).map(Number);
    if (match[1]) return days * 1440 + parts[0] * 60 + (parts[1] || 0) + (parts[2] || 0) / 60;
    if (parts.length === 3) return parts[0] * 60 + parts[1] + parts[2] / 60;
    return parts[0] + (parts[1] || 0) / 60;
  }

  function gigabytesOf(value) {
    var match = /^(\d+)([KMGT]?)$/i.exec(value);
    if (!match) return NaN;
    var scale = {K: 1 / 1048576, M: 1 / 1024, "": 1 / 1024, G: 1, T: 1024}[match[2].toUpperCase()];
    return Number(match[1]) * scale;
  }

  /* The #SBATCH options of a script, by long name: {value, line} (lines from 1). */
  function sbatchOptions(lines) {
    var options = {}, first = lines.findIndex(isCommand);
    lines.forEach(function (text, index) {
      if (!/^#SBATCH\s/.test(text) || (first >= 0 && index > first)) return;  // as sbatch reads them
      var words = text.replace(/^#SBATCH\s+/, "").replace(/\s#.*$/, "").split(/\s+/);
      for (var i = 0; i < words.length; i++) {
        var long = /^--([\w-]+)(?:=(.*))?$/.exec(words[i]), short = /^-(\w)(.*)$/.exec(words[i]);
        var name = long ? long[1] : short && SHORT_OPTIONS[short[1]];
        if (!name) continue;
        var value = long ? long[2] : short[2];
        if (value === undefined || value === "") value = words[i + 1] && !/^-/.test(words[i + 1]) ? words[++i] : "";
        options[name] = {value: value, line: index + 1};
      }
    });
    return options;
  }

  function isCommand(text) { return text.trim() !== "" && !/^\s*#/.test(text); }
  function runsPython(text) { return /^\s*(?:srun\s+(?:\S+\s+)*?)?python3?\s/.test(text); }

  /* What in a job script goes against the rules the builder writes by, as [line, message key,
   * value]: the platform's limits (the form's error.* keys), and review.* keys for #SBATCH lines
   * sbatch ignores, the python module before an environment, OMP_NUM_THREADS before Python in a
   * job of several cores, thread variables other than the cores or 1, srun without the task's cores,
   * one Python process for several tasks, a GPU type no node of the partition has (review.gpu-type).
   * For the guide's own job scripts, so that the pages and the builder agree. */
  function review(script, facts) {
    var lines = script.replace(/\n$/, "").split("\n");
    var problems = [];
    var say = function (line, key, value) { problems.push([line, key, value === undefined ? "" : value]); };
    var options = sbatchOptions(lines);
    var first = lines.findIndex(isCommand);
    lines.forEach(function (text, index) {
      if (first >= 0 && index > first && /^#SBATCH\s/.test(text)) say(index + 1, "review.sbatch-after-command");
    });
    var value = function (name, read, otherwise) { return options[name] ? read(options[name].value) : otherwise; };
    var gpus = value("gpus-per-node", function (v) { return v.split(":"); }, []);  // [TYPE:]N
    var asked = {
      cores: value("cpus-per-task", Number, 1),
      memory: value("mem", gigabytesOf, 0),
      gpus: gpus.length ? Number(gpus[gpus.length - 1]) : 0,
      gpu_type: gpus.length > 1 ? gpus[0] : "",
      minutes: value("time", slurmMinutes, 0),
      tasks: value("ntasks", Number, 1),
    };
    var optionOf = {cores: "cpus-per-task", memory: "mem", gpus: "gpus-per-node", time: "time", tasks: "ntasks"};
    var partition = partitionOf(facts, value("partition", String, facts.partitions[0].name));
    if (partition) {  // the limits of the partitions the builder knows
      overLimits(partition, asked).forEach(function (problem) {
        say(options[optionOf[problem[0]]].line, problem[1], problem[2]);
      });
    }
    if (options.time && isNaN(asked.minutes)) say(options.time.line, "review.time-format", options.time.value);
    var threads = null, loaded = false;
    lines.forEach(function (text, index) {
      var line = index + 1, exported = /^\s*export\s+(OMP|MKL)_NUM_THREADS=(\S*)/.exec(text);
      if (exported) {
        var allowed = exported[1] === "MKL" ? THREAD_VALUES.concat(["$OMP_NUM_THREADS"]) : THREAD_VALUES;
        if (allowed.indexOf(exported[2]) < 0) say(line, "review.thread-value", exported[2]);
        if (exported[1] === "OMP") threads = exported[2];
      }
      if (/^\s*module\s+load\s.*\bpython\//.test(text)) loaded = true;
      if (/^\s*(source\s+\S*\/bin\/activate|virtualenv\s)/.test(text) && !loaded) say(line, "review.modules-first");
      if (!runsPython(text)) return;
      if (asked.cores > 1 && threads === null) say(line, "review.threads-unset", asked.cores);
      // srun of Slurm 22.05 to 23.02 (the platform's) does not pass #SBATCH's --cpus-per-task on.
      if (asked.cores > 1 && /^\s*srun\s/.test(text) && !/\s(--cpus-per-task[= ]|-c\s?)\S/.test(text)) {
        say(line, "review.srun-cores", asked.cores);
      }
      if (options.ntasks && Number(options.ntasks.value) > 1 && !/^\s*srun\s/.test(text)) {
        say(line, "review.one-process-for-tasks", options.ntasks.value);
      }
    });
    return problems.sort(function (a, b) { return a[0] - b[0]; });
  }

  var api = {KINDS: KINDS, ENVIRONMENTS: ENVIRONMENTS, check: check, build: build, review: review};
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.JobScript = api;
})(this);
