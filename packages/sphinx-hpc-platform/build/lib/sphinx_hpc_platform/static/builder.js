/* The job-script builder's form: its fields, the live script with a comment on each line in the
 * page's language, its copy and download buttons, and the page's address that keeps the choices.
 * The rules are JobScript's (jobscript.js); the messages are the page's own list (``key``: text,
 * hidden: data for this script), translated with the page. The fields of the modules' versions are
 * those of the modules the platform has (JobScript.VERSION_FIELDS), and MPI jobs are offered where a
 * module gives Python MPI (JobScript.kinds). */
(function () {
  "use strict";

  // The fields, in the order the form shows them; each is a parameter of the page's address.
  var FIELDS = ["kind", "program", "cores", "tasks", "memory", "unit", "per", "time", "partition", "gpus",
                "python", "scipy", "environment", "venv", "jobname"];
  var SCRIPT_FILE = "job.sh";

  /* The page's messages by key: each as DOM nodes (what follows the key and its colon, links
   * kept, for the help texts) and as text (for labels and the script's comments, where a link is
   * its title and its address, which a comment can only show). */
  function messagesOf(list) {
    var messages = {};
    list.querySelectorAll("li").forEach(function (item) {
      var key = item.querySelector("code");
      if (!key) return;
      var nodes = [], after = false;
      (key.parentNode.childNodes).forEach(function (node) {
        if (after) nodes.push(node);
        if (node === key) after = true;
      });
      var fragment = document.createDocumentFragment();
      nodes.forEach(function (node) { fragment.appendChild(node.cloneNode(true)); });
      var first = fragment.firstChild;
      if (first && first.nodeType === Node.TEXT_NODE) first.textContent = first.textContent.replace(/^\s*:\s*/, "");
      // Runs of spaces and line ends as one space; U+00A0 kept (French puts it before a colon).
      messages[key.textContent.trim()] = {nodes: fragment, text: textOf(fragment).replace(/[ \t\r\n]+/g, " ").trim()};
    });
    return messages;
  }

  function textOf(node) {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeName === "A" && node.href) return node.textContent + " (" + node.href + ")";
    return Array.prototype.map.call(node.childNodes, textOf).join("");
  }

  function fill(text, values) {
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }

  function field(form, name, control) {
    var id = "builder-" + name;
    var row = document.createElement("div");
    row.className = "builder-field";
    row.id = id + "-field";
    var label = document.createElement("label");
    label.htmlFor = id;
    control.id = id;
    control.name = id;
    var help = document.createElement("p");
    help.className = "builder-help";
    help.id = id + "-help";
    help.hidden = true;
    var error = document.createElement("div");
    error.className = "builder-error";
    error.id = id + "-error";
    error.setAttribute("aria-live", "polite");
    control.setAttribute("aria-describedby", help.id + " " + error.id);
    row.appendChild(label);
    row.appendChild(control);
    row.appendChild(help);
    row.appendChild(error);
    form.appendChild(row);
    return {row: row, label: label, help: help, error: error};
  }

  function select(options, selected) {
    var control = document.createElement("select");
    options.forEach(function (option) {
      var element = document.createElement("option");
      element.value = option[0];
      element.textContent = option[1];
      element.selected = option[0] === selected;
      control.appendChild(element);
    });
    return control;
  }

  function number(value, min) {
    var control = document.createElement("input");
    control.type = "number";
    control.min = String(min);
    control.step = "1";
    control.value = String(value);
    control.inputMode = "numeric";
    return control;
  }

  function text(value) {
    var control = document.createElement("input");
    control.type = "text";
    control.value = value;
    control.autocomplete = "off";
    control.spellcheck = false;
    control.setAttribute("autocapitalize", "off");
    return control;
  }

  function button(label, className) {
    var control = document.createElement("button");
    control.type = "button";
    control.className = className;
    control.textContent = label;
    return control;
  }

  function start(container) {
    var facts = JSON.parse(container.dataset.facts);
    var list = container.querySelector(".builder-messages") || container.querySelector("ul");
    var messages = messagesOf(list);
    list.hidden = true;
    var m = function (key, values) {
      var shown = {};
      Object.keys(values || {}).forEach(function (name) {
        shown[name] = name === "unit" ? m("unit." + values[name]) : values[name];
      });
      return fill(messages[key] ? messages[key].text : key, shown);
    };
    // A message as DOM nodes, its links kept: for the help texts.
    var nodesOf = function (key, values) {
      if (!messages[key]) return document.createTextNode(key);
      var copy = messages[key].nodes.cloneNode(true);
      var walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) node.textContent = fill(node.textContent, values);
      return copy;
    };
    var defaults = JobScript.DEFAULTS;
    // The form's fields, less the versions of modules the platform does not have.
    var shown = FIELDS.filter(function (name) {
      var role = JobScript.VERSION_FIELDS[name];
      return !role || !!(facts.modules || {})[role];
    });
    var versions = function (role) {
      var module = facts.modules[role];
      return select(module.versions.map(function (v) { return [v, v]; }), module.default);
    };

    var form = document.createElement("form");
    form.className = "builder-form";
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var controls = {
      kind: select(JobScript.kinds(facts).map(function (k) { return [k, m("kind." + k)]; }), defaults.kind),
      program: text(defaults.program),
      cores: number(defaults.cores, 1),
      tasks: number(defaults.tasks, 1),
      memory: number(defaults.memory, 1),
      unit: select(JobScript.UNITS.map(function (u) { return [u, m("unit." + u)]; }), defaults.unit),
      per: select(JobScript.MEMORY_PER.map(function (p) { return [p, m("per." + p)]; }), defaults.per),
      time: text(defaults.time),
      partition: select(facts.partitions.map(function (p) { return [p.name, p.name]; }), facts.partitions[0].name),
      gpus: number(defaults.gpus, 0),
      environment: select(JobScript.ENVIRONMENTS.map(function (e) { return [e, m("environment." + e)]; }),
                          defaults.environment),
      venv: text(defaults.venv),
      jobname: text(defaults.jobname),
    };
    Object.keys(JobScript.VERSION_FIELDS).forEach(function (name) {
      if (shown.indexOf(name) >= 0) controls[name] = versions(JobScript.VERSION_FIELDS[name]);
    });
    var fields = {};
    shown.forEach(function (name) { fields[name] = field(form, name, controls[name]); });
    container.appendChild(form);

    var output = document.createElement("div");
    output.className = "builder-output";
    var heading = document.createElement("p");
    heading.className = "builder-caption";
    heading.id = "builder-caption";
    heading.textContent = m("output.caption");
    var pre = document.createElement("pre");
    pre.className = "builder-script";
    pre.tabIndex = 0;  // the keyboard scrolls it sideways
    pre.setAttribute("aria-labelledby", heading.id);
    var actions = document.createElement("div");
    actions.className = "builder-actions";
    var copy = button(m("output.copy"), "builder-copy");
    var download = button(m("output.download", {file: SCRIPT_FILE}), "builder-download");
    var status = document.createElement("p");
    status.className = "builder-status";
    status.setAttribute("role", "status");
    copy.addEventListener("click", function () {
      var done = function () { status.textContent = m("output.copied"); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(pre.textContent).then(done);
      else {
        var range = document.createRange();
        range.selectNodeContents(pre);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
        done();
      }
    });
    download.addEventListener("click", function () {
      var url = URL.createObjectURL(new Blob([pre.textContent], {type: "text/x-shellscript"}));
      var link = document.createElement("a");
      link.href = url;
      link.download = SCRIPT_FILE;
      link.hidden = true;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);  // once the browser has saved it
    });
    actions.appendChild(copy);
    actions.appendChild(download);
    output.appendChild(heading);
    output.appendChild(pre);
    output.appendChild(actions);
    output.appendChild(status);
    container.appendChild(output);

    // The choices of the page's address (?kind=pool&cores=4...): a shared address shows the same job.
    var params = new URLSearchParams(window.location.search);
    shown.forEach(function (name) {
      if (!params.has(name)) return;
      var value = params.get(name), control = controls[name];
      var offered = control.tagName !== "SELECT" ||
        Array.prototype.some.call(control.options, function (option) { return option.value === value; });
      if (offered) control.value = value;
    });

    function writeAddress() {
      var query = new URLSearchParams(window.location.search);
      shown.forEach(function (name) { query.set(name, controls[name].value); });
      window.history.replaceState(window.history.state, "",
                                  window.location.pathname + "?" + query.toString() + window.location.hash);
    }

    function choice() {
      var chosen = {};
      shown.forEach(function (name) { chosen[name] = controls[name].value.trim(); });
      return chosen;
    }

    function setHelp(name, key, values) {
      var help = fields[name].help;
      help.textContent = "";
      help.hidden = !key;
      if (key) help.appendChild(nodesOf(key, values || {}));
    }

    function update() {
      var chosen = choice();
      var mpi = chosen.kind === "mpi", array = chosen.kind === "array";
      var partition = facts.partitions.filter(function (p) { return p.name === chosen.partition; })[0];
      fields.tasks.row.hidden = !mpi && !array;
      fields.per.row.hidden = !mpi;
      fields.venv.row.hidden = chosen.environment !== "home";
      var labels = {
        cores: mpi ? "field.cores-mpi" : array ? "field.cores-array" : "field.cores",
        tasks: array ? "field.array" : "field.tasks",
        // The memory as Slurm applies it: --mem for the job's node, or each task of an array;
        // an MPI job's per core (--mem-per-cpu) or per node (--mem).
        memory: array ? "field.memory-array" : !mpi ? "field.memory"
          : chosen.per === "node" ? "field.memory-mpi-node" : "field.memory-cpu",
      };
      shown.forEach(function (name) {
        var label = fields[name].label;
        label.textContent = "";
        label.appendChild(nodesOf(labels[name] || "field." + name, {}));  // its ``literals`` kept
      });
      setHelp("program", "help.program");
      setHelp("jobname", "help.jobname");
      setHelp("time", "help.time");
      setHelp("environment", "help.environment-" + chosen.environment);
      setHelp("partition", partition ? "help.partition-" + partition.access : null,
              partition ? {partition: partition.name, owners: partition.owners.join(", ")} : {});
      shown.forEach(function (name) {
        controls[name].removeAttribute("aria-invalid");
        fields[name].error.textContent = "";
      });
      var problems = JobScript.check(chosen, facts);
      problems.forEach(function (problem) {
        controls[problem[0]].setAttribute("aria-invalid", "true");
        var line = document.createElement("p");
        line.textContent = m(problem[1], problem[2]);
        fields[problem[0]].error.appendChild(line);
      });
      status.textContent = "";
      if (problems.length) {
        pre.textContent = m("output.refused");
        pre.classList.add("builder-refused");
        copy.disabled = download.disabled = true;
        return;
      }
      pre.classList.remove("builder-refused");
      copy.disabled = download.disabled = false;
      // A comment on a line of its own, above its line: sbatch reads no comment after an option.
      pre.textContent = JobScript.build(chosen, facts).map(function (line) {
        return line[1] ? "# " + m(line[1], line[2]) + "\n" + line[0] : line[0];
      }).join("\n") + "\n";
    }

    var changed = function () { update(); writeAddress(); };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".job-script-builder").forEach(start);
  });
})();
