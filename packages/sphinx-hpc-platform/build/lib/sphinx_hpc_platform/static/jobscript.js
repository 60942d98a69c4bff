/* The rules that turn a reader's choices into a job script, as the guide teaches them.
 *
 * Pure functions, no page: `JobScript.check(choice, facts)` lists what the platform refuses,
 * `JobScript.build(choice, facts)` gives the script as lines of [code, comment key, values], and
 * `JobScript.review(script, facts)` says where a job script written by hand breaks these rules.
 * The comments are keys of the page's messages (translated with the page); the code is never
 * translated. `facts` comes from platform.toml (sphinx_hpc_platform.builder).
 *
 * A choice holds what the reader typed, as typed: counts (cores, tasks, GPUs, memory) may be
 * strings ("1.5" is refused: Slurm counts them whole), names are checked (a name the rules refuse
 * is never written), and every value typed is quoted for the shell where the script writes it
 * (`quote`), so that no value, even one check() would refuse, can be more than one word.
 *
 * The modules a script loads are the facts' `modules`, by role (platform.toml's `role`): the
 * interpreter and the scientific stack at the versions chosen (the choice's `python` and `scipy`),
 * the module that gives Python MPI in an MPI job. A platform may have none of them: its scripts load
 * what it has, and its form offers MPI jobs only with a module for them (`kinds`).
 */
(function (root) {
  "use strict";

  var KINDS = ["one", "threads", "pool", "dask", "mpi", "array"];
  var ENVIRONMENTS = ["none", "home", "tmpdir"];
  var UNITS = ["G", "M"];  // Slurm's memory suffixes: whole GB or whole MB
  var MEMORY_PER = ["cpu", "node"];  // an MPI job's memory: --mem-per-cpu or --mem
  var MB = {G: 1024, M: 1};
  // What the form starts with: a first job, that needs nothing but its program (the modules only).
  var DEFAULTS = {kind: "one", jobname: "python-job", program: "program.py", cores: "1", tasks: "2",
                  memory: "4", unit: "G", per: "cpu", time: "1:00:00", gpus: "0", environment: "none",
                  venv: "myenv"};
  // A job's name, a program's file, an environment's folder: letters, digits, ".", "_" and "-",
  // starting with a letter or a digit (never an option, never "." or "..").
  var NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
  // What each kind of job gives the libraries' threads, and the comment that says why.
  var THREADS = {
    one: ["1", "comment.one-thread-one"],
    threads: ["$SLURM_CPUS_PER_TASK", "comment.threads"],
    pool: ["1", "comment.one-thread-pool"],
    dask: ["1", "comment.one-thread-dask"],
    mpi: ["$SLURM_CPUS_PER_TASK", "comment.threads-mpi"],
    array: ["$SLURM_CPUS_PER_TASK", "comment.threads-array"]
  };

  /* A value as one word of the shell: as it is when it has nothing the shell reads, else in
   * single quotes (a quote inside closed, escaped and reopened). sbatch reads #SBATCH lines' quotes
   * the same way. */
  function quote(value) {
    var text = String(value);
    return /^[A-Za-z0-9@%+=:,.\/_-]+$/.test(text) ? text : "'" + text.replace(/'/g, "'\"'\"'") + "'";
  }

  /* A count as typed: its number, and whether Slurm takes it (a whole number). */
  function count(value) {
    var text = typeof value === "number" ? String(value) : String(value === undefined || value === null ? "" : value).trim();
    var number = text === "" ? NaN : Number(text);
    return {n: number, whole: Number.isInteger(number)};
  }

  /* Slurm's time formats (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS): {seconds, format: whether
   * it is one of them, range: whether each part is in its range (seconds, and minutes after hours,
   * below 60; hours after days below 24)}. Slurm itself reads 2:61 as 3:01: the form refuses it,
   * a typing slip more likely than a wish. */
  function parseTime(value) {
    var text = String(value === undefined || value === null ? "" : value).trim();
    var withDays = /^(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?$/.exec(text);
    var without = /^(\d+)(?::(\d+)(?::(\d+))?)?$/.exec(text);
    var n = function (part) { return part === undefined ? 0 : Number(part); };
    if (withDays) {
      var d = n(withDays[1]), h = n(withDays[2]), m = n(withDays[3]), s = n(withDays[4]);
      return {seconds: ((d * 24 + h) * 60 + m) * 60 + s, format: true, range: h < 24 && m < 60 && s < 60};
    }
    if (without && without[3] !== undefined) {  // HH:MM:SS
      var hours = n(without[1]), minutes = n(without[2]), secs = n(without[3]);
      return {seconds: (hours * 60 + minutes) * 60 + secs, format: true, range: minutes < 60 && secs < 60};
    }
    if (without) {  // MM or MM:SS
      return {seconds: n(without[1]) * 60 + n(without[2]), format: true, range: n(without[2]) < 60};
    }
    return {seconds: NaN, format: false, range: false};
  }

  /* The time as the script writes it: [D-]HH:MM:SS, which Slurm reads as it is meant. */
  function slurmTime(seconds) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var days = Math.floor(seconds / 86400), rest = seconds % 86400;
    var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60);
    return days ? days + "-" + clock : clock;
  }

  function partitionOf(facts, name) {
    return facts.partitions.filter(function (p) { return p.name === name; })[0];
  }

  function largest(nodes, measure) {
    return nodes.reduce(function (best, n) { return !best || n[measure] > best[measure] ? n : best; }, null);
  }

  /* The nodes' names as a message says them: "cp3702-cp3704, cp3705". */
  function namesOf(nodes) {
    return nodes.map(function (n) { return n.name; }).join(", ");
  }

  /* The nodes of the partition a job asking for `gpus` GPUs (of `type`, if it names one) may run
   * on: any node without GPUs; with GPUs, the GPU nodes of one type, the one --gpus-per-node names:
   * the type of the largest node that has as many GPUs, else of the node with the most GPUs. */
  function nodesFor(partition, gpus, type) {
    if (!(gpus > 0)) return partition.nodes;
    var withGpus = partition.nodes.filter(function (n) { return n.gpus > 0 && (!type || n.gpu_type === type); });
    if (!withGpus.length) return [];
    var enough = withGpus.filter(function (n) { return n.gpus >= gpus; });
    var chosen = enough.length ? largest(enough, "cores") : largest(withGpus, "gpus");
    return withGpus.filter(function (n) { return n.gpu_type === chosen.gpu_type; });
  }

  function gpuTypeOf(partition, gpus) {
    var nodes = nodesFor(partition, gpus);
    return nodes.length ? nodes[0].gpu_type : "";
  }

  /* The memory one task needs on its node, in MB: a node's (--mem), or per core times its cores
   * (--mem-per-cpu). */
  function taskMemory(asked) {
    return asked.memory * MB[asked.unit] * (asked.perCpu ? asked.cores : 1);
  }

  /* The most memory a node of `mb` MB lets the job ask, in the job's unit (per core: for each of
   * a task's cores). */
  function memoryLimit(mb, asked) {
    return Math.floor(mb / MB[asked.unit] / (asked.perCpu ? asked.cores : 1));
  }

  /* The platform's limits that a job asking `asked` ({cores, memory in `unit` ("G" or "M"), perCpu:
   * the memory is per core, gpus, gpu_type, seconds, tasks}) of a partition goes over, as [field,
   * message key, values for the message]: the form's check and the review of a script share them.
   * Each task of the job must fit on one node of the partition: its GPUs, then its cores, then its
   * memory, each limit the most of the partition's nodes that have what the limits before it ask
   * (a job with GPUs runs on a GPU node, with that node's cores and memory: the messages say "the
   * GPU nodes"). Each names the partition and the nodes it comes from. A job of several tasks needs
   * room for all of them on the partition's nodes. */
  function overLimits(partition, asked) {
    var withGpus = asked.gpus > 0;
    var nodes = nodesFor(partition, asked.gpus, asked.gpu_type);
    if (!nodes.length) {
      return [["gpus", asked.gpu_type ? "review.gpu-type" : "error.gpu",
               {limit: asked.gpu_type || partition.name, partition: partition.name}]];
    }
    var problems = [];
    // Each message in two forms: of any node, or of the GPU nodes a job with GPUs runs on.
    var say = function (field, keys, limit, over) {
      problems.push([field, keys[withGpus ? 1 : 0], {limit: limit, partition: partition.name,
                                                     nodes: namesOf(over), unit: asked.unit}]);
    };
    var candidates = nodes;
    if (withGpus) {
      var mostGpus = Math.max.apply(null, nodes.map(function (n) { return n.gpus; }));
      if (asked.gpus > mostGpus) {
        problems.push(["gpus", mostGpus === 1 ? "error.gpus-one" : "error.gpus",
                       {limit: mostGpus, partition: partition.name, nodes: namesOf(nodes)}]);
      } else {
        candidates = candidates.filter(function (n) { return n.gpus >= asked.gpus; });
      }
    }
    if (asked.cores > 0) {
      var mostCores = Math.max.apply(null, candidates.map(function (n) { return n.cores; }));
      if (asked.cores > mostCores) say("cores", ["error.cores", "error.cores-gpu"], mostCores, candidates);
      else candidates = candidates.filter(function (n) { return n.cores >= asked.cores; });
    }
    var coresKnown = asked.cores > 0 && !problems.some(function (p) { return p[0] === "cores"; });
    if (asked.memory > 0 && (!asked.perCpu || coresKnown)) {
      var mostMemory = Math.max.apply(null, candidates.map(function (n) { return n.memory_mb; }));
      if (taskMemory(asked) > mostMemory) {
        say("memory", asked.perCpu ? ["error.memory-cpu", "error.memory-cpu-gpu"] : ["error.memory", "error.memory-gpu"],
            memoryLimit(mostMemory, asked), candidates);
      }
    }
    if (asked.seconds > partition.time_limit_days * 86400) {
      problems.push(["time", "error.time", {limit: partition.time_limit_days, partition: partition.name}]);
    }
    var fits = !problems.some(function (p) { return p[0] === "gpus" || p[0] === "cores" || p[0] === "memory"; });
    if (asked.tasks > 1 && asked.cores >= 1 && fits) {
      // Tasks may spread over the nodes (those with the GPUs each node is asked for): each node
      // holds as many as it has cores for, and memory for (per core: each task its own; per node:
      // the node's --mem, shared by the tasks it holds).
      var holding = nodes.filter(function (n) {
        return n.gpus >= (asked.gpus || 0) && (asked.perCpu || !(asked.memory > 0) || n.memory_mb >= taskMemory(asked));
      });
      var room = holding.reduce(function (sum, n) {
        var byCores = Math.floor(n.cores / asked.cores);
        var byMemory = asked.perCpu && asked.memory > 0 ? Math.floor(n.memory_mb / taskMemory(asked)) : byCores;
        return sum + n.count * Math.min(byCores, byMemory);
      }, 0);
      if (asked.tasks > room) say("tasks", ["error.tasks", "error.tasks-gpu"], room, holding.length ? holding : nodes);
    }
    return problems;
  }

  /* The module of a role (platform.toml's `role`), or undefined where the platform has none. */
  function moduleOf(facts, role) {
    return (facts.modules || {})[role];
  }

  // The form's field that chooses the version of each role's module.
  var VERSION_FIELDS = {python: "interpreter", scipy: "scientific-stack"};

  /* Whether a version matches one a module was built for: 3.11.5 matches 3.11 (and 3.11.5). */
  function builtFor(version, versions) {
    return versions.some(function (v) { return version === v || version.indexOf(v + ".") === 0; });
  }

  /* The scientific stack's version chosen, where it was not built for the interpreter chosen (it
   * would not load with it): the values of its message, with the versions that were. */
  function unbuiltFor(facts, choice) {
    var stack = moduleOf(facts, "scientific-stack"), interpreter = moduleOf(facts, "interpreter");
    if (!stack || !interpreter || !choice.scipy || !choice.python) return null;
    var needed = ((stack.needs_versions || {})[choice.scipy] || {})[interpreter.name];
    if (!needed || builtFor(choice.python, needed)) return null;
    var others = stack.versions.filter(function (version) {
      var built = ((stack.needs_versions || {})[version] || {})[interpreter.name];
      return !built || builtFor(choice.python, built);
    });
    return {module: stack.name + "/" + choice.scipy, python: interpreter.name + "/" + choice.python,
            choices: others.join(", ")};
  }

  /* The kinds of job the platform's facts let the form offer: an MPI job needs a module that gives
   * Python MPI. */
  function kinds(facts) {
    return KINDS.filter(function (kind) { return kind !== "mpi" || !!moduleOf(facts, "mpi"); });
  }

  /* The choice with what it leaves out as the form starts (the partition and modules: the facts'
   * defaults). */
  function complete(choice, facts) {
    var full = {partition: facts.partitions[0].name};
    Object.keys(VERSION_FIELDS).forEach(function (name) {
      var module = moduleOf(facts, VERSION_FIELDS[name]);
      if (module) full[name] = module.default;
    });
    Object.keys(DEFAULTS).forEach(function (name) { full[name] = DEFAULTS[name]; });
    Object.keys(choice).forEach(function (name) { if (choice[name] !== undefined) full[name] = choice[name]; });
    return full;
  }

  /* What the platform would refuse, as [field, message key, values for the message], every
   * problem of every field. */
  function check(given, facts) {
    var choice = complete(given, facts);
    var partition = partitionOf(facts, choice.partition);
    if (!partition) return [["partition", "error.partition", {limit: choice.partition}]];
    var problems = [];
    var say = function (field, key, values) { problems.push([field, key, values || {}]); };
    var mpi = choice.kind === "mpi", array = choice.kind === "array";
    var cores = count(choice.cores), tasks = count(choice.tasks), gpus = count(choice.gpus);
    var memory = count(choice.memory), time = parseTime(choice.time);
    var unit = UNITS.indexOf(choice.unit) >= 0 ? choice.unit : "G";
    var perCpu = mpi && choice.per !== "node";

    if (!NAME.test(choice.jobname)) say("jobname", "error.jobname");
    if (!NAME.test(choice.program)) say("program", "error.program");
    if (choice.environment === "home" && !NAME.test(choice.venv)) say("venv", "error.venv");

    if (!isNaN(cores.n) && !cores.whole) say("cores", "error.cores-whole");
    if (!(cores.n >= 1)) say("cores", "error.cores-min", {limit: 1});
    if (choice.kind === "one" && cores.n > 1) say("cores", "error.cores-one", {limit: 1});
    if (mpi || array) {
      if (!isNaN(tasks.n) && !tasks.whole) say("tasks", mpi ? "error.tasks-whole" : "error.array-whole");
      if (mpi && !(tasks.n >= 2)) say("tasks", "error.tasks-min", {limit: 2});
      if (array && !(tasks.n >= 1)) say("tasks", "error.array-min", {limit: 1});
    }
    if (!isNaN(memory.n) && !memory.whole) say("memory", "error.memory-whole", {unit: unit});
    if (!(memory.n >= 1)) say("memory", "error.memory-min", {limit: 1, unit: unit});
    if (!isNaN(gpus.n) && !gpus.whole) say("gpus", "error.gpus-whole");
    if (!(gpus.n >= 0)) say("gpus", "error.gpus-min", {limit: 0});
    if (!time.format) say("time", "error.time-format");
    else if (!time.range) say("time", "error.time-range");
    else if (!(time.seconds > 0)) say("time", "error.time-min");

    var asked = {cores: cores.n, memory: memory.n, unit: unit, perCpu: perCpu, gpus: gpus.n,
                 seconds: time.format && time.range ? time.seconds : NaN,
                 tasks: mpi && tasks.whole ? tasks.n : 1};  // an array's tasks are jobs of their own
    overLimits(partition, asked).forEach(function (problem) { problems.push(problem); });
    if (choice.kind === "dask" && choice.environment === "none") {
      say("environment", "error.dask-env", {limit: "distributed"});
    }
    var mismatch = unbuiltFor(facts, choice);
    if (mismatch) say("scipy", "error.scipy-python", mismatch);
    return problems;
  }

  /* The script: [code, comment key or null, values for the comment]. Call it with a choice
   * check() takes. */
  function build(given, facts) {
    var choice = complete(given, facts);
    var partition = partitionOf(facts, choice.partition);
    var lines = [];
    var add = function (code, comment, values) { lines.push([code, comment || null, values || {}]); };
    var mpi = choice.kind === "mpi", array = choice.kind === "array";
    var cores = count(choice.cores).n, tasks = count(choice.tasks).n, gpus = count(choice.gpus).n;
    var memory = count(choice.memory).n + (UNITS.indexOf(choice.unit) >= 0 ? choice.unit : "G");
    add("#!/bin/bash");
    add("#SBATCH --job-name=" + quote(choice.jobname), "comment.name");
    add("#SBATCH --partition=" + quote(choice.partition), "comment.partition");
    if (partition.preemptible && partition.requeue_option) {
      add("#SBATCH " + partition.requeue_option, "comment.requeue", {partition: partition.name});
      // Without it, each run's output file replaces the last one's (unless the site appends).
      add("#SBATCH --open-mode=append", "comment.open-mode");
    }
    add("#SBATCH --time=" + slurmTime(parseTime(choice.time).seconds), "comment.time",
        {days: partition.time_limit_days, partition: partition.name});
    if (mpi) {
      add("#SBATCH --ntasks=" + tasks, "comment.ntasks");
      add("#SBATCH --cpus-per-task=" + cores, "comment.cpus-mpi");
      if (choice.per === "node") add("#SBATCH --mem=" + memory, "comment.mem-mpi");
      else add("#SBATCH --mem-per-cpu=" + memory, "comment.mem-per-cpu");
    } else {
      add("#SBATCH --cpus-per-task=" + cores, "comment.cpus-" + choice.kind);
      add("#SBATCH --mem=" + memory, array ? "comment.mem-array" : "comment.mem");
    }
    if (gpus > 0) {
      add("#SBATCH --gpus-per-node=" + gpuTypeOf(partition, gpus) + ":" + gpus,
          gpus === 1 ? "comment.gpus-one" : "comment.gpus");
    }
    if (array) {
      add("#SBATCH --array=0-" + (tasks - 1), "comment.array");
      add("#SBATCH --output=%x-%A_%a.out", "comment.output-array");
    } else {
      add("#SBATCH --output=%x-%j.out", "comment.output");
    }
    add("");
    // Each role's module the platform has, at the version chosen (its default for MPI's).
    var loads = [];
    var load = function (role, version) {
      var module = moduleOf(facts, role);
      if (module) loads.push(module.name + (version ? "/" + quote(version) : ""));
    };
    load("interpreter", choice.python);
    load("scientific-stack", choice.scipy);
    if (mpi) load("mpi", (moduleOf(facts, "mpi") || {}).default);
    if (loads.length) add("module load " + loads.join(" "), "comment.modules");
    if (choice.environment === "home") {
      add("source ~/venv/" + quote(choice.venv) + "/bin/activate", "comment.env-home");
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
    if (lines[lines.length - 1][0] !== "") add("");  // one blank line where the script loads nothing
    // The threads of NumPy and SciPy: the job's cores for one process, one for each process of a
    // pool or Dask. MKL, behind them on the platform, reads its own variable before OMP's.
    var threads = THREADS[choice.kind];
    add("export OMP_NUM_THREADS=" + threads[0], threads[1]);
    add("export MKL_NUM_THREADS=$OMP_NUM_THREADS", "comment.mkl");
    var program = "python -u " + quote(choice.program);
    // srun of Slurm 22.05 to 23.02 gives each task one core unless asked again (harmless elsewhere).
    var step = cores > 1 ? "srun --cpus-per-task=$SLURM_CPUS_PER_TASK " : "srun ";
    if (mpi) add(step + program, cores > 1 ? "comment.run-mpi-threads" : "comment.run-mpi");
    else if (partition.preemptible) {
      // Preemption's SIGTERM reaches the job's steps only: the program runs as one (preemptible-jobs).
      add(step + program + (array ? " $SLURM_ARRAY_TASK_ID" : ""), "comment.run-preempt");
    } else if (array) add(program + " $SLURM_ARRAY_TASK_ID", "comment.run-array");
    else add(program, "comment.run-" + choice.kind);
    if (partition.preemptible) {
      // A program that stops early on SIGTERM (status 75) has ended, for Slurm before 24.05: requeue it.
      add("status=$?");
      add('if [ "$status" -eq 75 ]; then scontrol requeue "$SLURM_JOB_ID"; fi', "comment.requeue-early");
      add('exit "$status"', "comment.exit-status");
    }
    return lines;
  }

  // The values a thread variable may take in a job script: the job's cores, or one.
  var THREAD_VALUES = ["1", "$SLURM_CPUS_PER_TASK", "${SLURM_CPUS_PER_TASK}", "${SLURM_CPUS_PER_TASK:-1}"];
  var SHORT_OPTIONS = {c: "cpus-per-task", n: "ntasks", N: "nodes", t: "time", p: "partition", G: "gpus"};

  /* A --mem value: [the number, its unit as the form's ("G" or "M"; T in G, K in M)]. */
  function memoryOf(value) {
    var match = /^(\d+)([KMGT]?)$/i.exec(value);
    if (!match) return [NaN, "G"];
    var suffix = match[2].toUpperCase(), n = Number(match[1]);
    if (suffix === "T") return [n * 1024, "G"];
    if (suffix === "K") return [n / 1024, "M"];
    return [n, suffix === "G" ? "G" : "M"];
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
   * value]: the platform's limits (the form's error.* keys, with the limit), and review.* keys for
   * #SBATCH lines sbatch ignores, a time in none of Slurm's formats, the python module before an
   * environment, OMP_NUM_THREADS before Python in a job of several cores, thread variables other
   * than the cores or 1, srun without the task's cores, one Python process for several tasks, a GPU
   * type no node of the partition has (review.gpu-type). For the guide's own job scripts, so that
   * the pages and the builder agree. */
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
    var perCpu = !!options["mem-per-cpu"] && !options.mem;
    var memory = perCpu ? memoryOf(options["mem-per-cpu"].value) : value("mem", memoryOf, [0, "G"]);
    var time = value("time", parseTime, {seconds: 0, format: true, range: true});
    var asked = {
      cores: value("cpus-per-task", Number, 1),
      memory: memory[0], unit: memory[1], perCpu: perCpu,
      gpus: gpus.length ? Number(gpus[gpus.length - 1]) : 0,
      gpu_type: gpus.length > 1 ? gpus[0] : "",
      seconds: time.format && time.range ? time.seconds : NaN,
      tasks: value("ntasks", Number, 1),
    };
    var optionOf = {cores: "cpus-per-task", memory: perCpu ? "mem-per-cpu" : "mem", gpus: "gpus-per-node",
                    time: "time", tasks: "ntasks"};
    var partition = partitionOf(facts, value("partition", String, facts.partitions[0].name));
    if (partition) {  // the limits of the partitions the builder knows
      overLimits(partition, asked).forEach(function (problem) {
        var option = options[optionOf[problem[0]]];
        say(option ? option.line : 1, problem[1], problem[2].limit);
      });
    }
    if (options.time && !(time.format && time.range)) say(options.time.line, "review.time-format", options.time.value);
    // A script loads the interpreter's module before an environment, where the platform has one.
    var interpreter = moduleOf(facts, "interpreter");
    var escaped = interpreter && interpreter.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    var loadsInterpreter = interpreter && new RegExp("^\\s*module\\s+load\\s(?:.*\\s)?" + escaped + "(?:/|\\s|$)");
    var threads = null, loaded = !interpreter;
    lines.forEach(function (text, index) {
      var line = index + 1, exported = /^\s*export\s+(OMP|MKL)_NUM_THREADS=(\S*)/.exec(text);
      if (exported) {
        var allowed = exported[1] === "MKL" ? THREAD_VALUES.concat(["$OMP_NUM_THREADS"]) : THREAD_VALUES;
        if (allowed.indexOf(exported[2]) < 0) say(line, "review.thread-value", exported[2]);
        if (exported[1] === "OMP") threads = exported[2];
      }
      if (interpreter && loadsInterpreter.test(text)) loaded = true;
      if (/^\s*(source\s+\S*\/bin\/activate|virtualenv\s)/.test(text) && !loaded) say(line, "review.modules-first");
      if (!runsPython(text)) return;
      if (asked.cores > 1 && threads === null) say(line, "review.threads-unset", asked.cores);
      // srun of Slurm 22.05 to 23.02 does not pass #SBATCH's --cpus-per-task on (later ones do).
      if (asked.cores > 1 && /^\s*srun\s/.test(text) && !/\s(--cpus-per-task[= ]|-c\s?)\S/.test(text)) {
        say(line, "review.srun-cores", asked.cores);
      }
      if (options.ntasks && Number(options.ntasks.value) > 1 && !/^\s*srun\s/.test(text)) {
        say(line, "review.one-process-for-tasks", options.ntasks.value);
      }
    });
    return problems.sort(function (a, b) { return a[0] - b[0]; });
  }

  var api = {KINDS: KINDS, ENVIRONMENTS: ENVIRONMENTS, UNITS: UNITS, MEMORY_PER: MEMORY_PER, DEFAULTS: DEFAULTS,
             VERSION_FIELDS: VERSION_FIELDS, kinds: kinds, check: check, build: build, review: review,
             quote: quote, parseTime: parseTime};
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.JobScript = api;
})(this);
