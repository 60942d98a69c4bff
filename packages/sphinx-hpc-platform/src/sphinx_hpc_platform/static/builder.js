/* The job-script builder's form: its fields, the live script with a comment on each line in the
 * page's language, its copy button. The rules are JobScript's (jobscript.js); the messages are the
 * page's own list (``key``: text), translated with the page. */
(function () {
  "use strict";

  function messagesOf(list) {
    var messages = {};
    list.querySelectorAll("li").forEach(function (item) {
      var key = item.querySelector("code");
      if (!key) return;
      var text = item.textContent.slice(item.textContent.indexOf(key.textContent) + key.textContent.length);
      messages[key.textContent.trim()] = text.replace(/^\s*:\s*/, "").trim();
    });
    return messages;
  }

  function say(messages, key, values) {
    var text = messages[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }

  function field(form, id, labelText, control) {
    var row = document.createElement("div");
    row.className = "builder-field";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = labelText;
    control.id = id;
    control.name = id;
    var error = document.createElement("p");
    error.className = "builder-error";
    error.id = id + "-error";
    error.setAttribute("aria-live", "polite");
    control.setAttribute("aria-describedby", error.id);
    row.appendChild(label);
    row.appendChild(control);
    row.appendChild(error);
    form.appendChild(row);
    return row;
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
    control.value = String(value);
    control.inputMode = "numeric";
    return control;
  }

  function text(value) {
    var control = document.createElement("input");
    control.type = "text";
    control.value = value;
    return control;
  }

  function start(container) {
    var facts = JSON.parse(container.dataset.facts);
    var list = container.querySelector("ul");
    var messages = messagesOf(list);
    list.hidden = true;
    var m = function (key, values) { return say(messages, key, values); };

    var form = document.createElement("form");
    form.className = "builder-form";
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var controls = {
      kind: select(JobScript.KINDS.map(function (k) { return [k, m("kind." + k)]; }), "one"),
      cores: number(1, 1),
      tasks: number(2, 1),
      memory: number(4, 1),
      time: text("01:00"),
      partition: select(facts.partitions.map(function (p) { return [p.name, p.name]; }), facts.partitions[0].name),
      gpus: number(0, 0),
      python: select(facts.python.versions.map(function (v) { return [v, v]; }), facts.python.default),
      scipy: select(facts.scipy.versions.map(function (v) { return [v, v]; }), facts.scipy.default),
      environment: select(JobScript.ENVIRONMENTS.map(function (e) { return [e, m("environment." + e)]; }), "tmpdir"),
      venv: text("myenv"),
    };
    var rows = {};
    Object.keys(controls).forEach(function (name) {
      rows[name] = field(form, "builder-" + name, m("field." + name), controls[name]);
    });
    container.appendChild(form);

    var output = document.createElement("div");
    output.className = "builder-output";
    var heading = document.createElement("p");
    heading.className = "builder-caption";
    heading.textContent = m("output.caption");
    var pre = document.createElement("pre");
    pre.className = "builder-script";
    pre.tabIndex = 0;
    pre.setAttribute("aria-label", m("output.caption"));
    var copy = document.createElement("button");
    copy.type = "button";
    copy.className = "builder-copy";
    copy.textContent = m("output.copy");
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
    output.appendChild(heading);
    output.appendChild(pre);
    output.appendChild(copy);
    output.appendChild(status);
    container.appendChild(output);

    function choice() {
      return {
        kind: controls.kind.value, cores: Number(controls.cores.value), tasks: Number(controls.tasks.value),
        memory: Number(controls.memory.value), time: controls.time.value.trim(),
        partition: controls.partition.value, gpus: Number(controls.gpus.value),
        python: controls.python.value, scipy: controls.scipy.value,
        environment: controls.environment.value, venv: controls.venv.value.trim() || "myenv",
      };
    }

    function update() {
      var chosen = choice();
      rows.tasks.hidden = chosen.kind !== "mpi" && chosen.kind !== "array";
      rows.venv.hidden = chosen.environment !== "home";
      form.querySelector('label[for="builder-tasks"]').textContent =
        m(chosen.kind === "array" ? "field.array" : "field.tasks");
      Object.keys(controls).forEach(function (name) {
        controls[name].removeAttribute("aria-invalid");
        rows[name].querySelector(".builder-error").textContent = "";
      });
      var problems = JobScript.check(chosen, facts);
      problems.forEach(function (problem) {
        controls[problem[0]].setAttribute("aria-invalid", "true");
        rows[problem[0]].querySelector(".builder-error").textContent = m(problem[1], {limit: problem[2]});
      });
      status.textContent = "";
      if (problems.length) {
        pre.textContent = m("output.refused");
        pre.classList.add("builder-refused");
        copy.disabled = true;
        return;
      }
      pre.classList.remove("builder-refused");
      copy.disabled = false;
      // A comment on a line of its own, above its line: sbatch reads no comment after an option.
      pre.textContent = JobScript.build(chosen, facts).map(function (line) {
        return line[1] ? "# " + m(line[1], line[2]) + "\n" + line[0] : line[0];
      }).join("\n") + "\n";
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".job-script-builder").forEach(start);
  });
})();
