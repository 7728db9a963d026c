/* Chapter 6's practice kitchen, live: the score curve draws itself step by
 * step as the server sends the run (Server-Sent Events from /api/train, which
 * computes the whole run and sends it at the page's pace; read with fetch so a
 * 503 or 422 can be shown in the page's language and "Stop" can close the stream).
 *
 * Without this file the form reloads the chapter with the finished run drawn
 * by the server. With it, "Start" streams the same run, and when every stream
 * is done the server's drawing (the same curve, with its table) is swapped in
 * through htmx, which also puts the run's address in the address bar.
 * Idempotent: everything hangs off delegated listeners on document.
 */
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var KEYS = ["lr", "opt", "steps", "seed", "go"];
  var current = new WeakMap(); // widget root -> the run in progress

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, k) {
      return values[k] !== undefined ? values[k] : "";
    });
  }

  function json(el, attr) {
    try { return JSON.parse(el.getAttribute(attr) || "null"); } catch (e) { return null; }
  }

  function fmtInt(n) { return Number(n).toLocaleString("en-US"); }

  function readState(form, ns) {
    var el = function (k) { return form.elements[ns + "." + k]; };
    var opt = el("opt");
    var state = {
      lr: String(el("lr").value).trim(),
      opt: opt ? opt.value : "adam",
      steps: String(el("steps").value).trim(),
      seed: String(el("seed").value).trim(),
      go: "1"
    };
    var lr = Number(state.lr), steps = Number(state.steps), seed = Number(state.seed);
    // the bounds are the fields' own, which the server writes from its limits
    var within = function (k, v) { return v >= Number(el(k).min) && v <= Number(el(k).max); };
    var ok = state.lr !== "" && isFinite(lr) && within("lr", lr) &&
      /^\d+$/.test(state.steps) && within("steps", steps) &&
      /^\d+$/.test(state.seed) && within("seed", seed) &&
      ["adam", "sgd", "both"].indexOf(state.opt) >= 0;
    return ok ? state : null;
  }

  function milestones(steps, marks) {
    var out = (marks || []).filter(function (m) { return m <= steps; });
    if (out.indexOf(steps) < 0) out.push(steps);
    return out.sort(function (a, b) { return a - b; });
  }

  function xTicks(steps) {
    var values = steps >= 8
      ? [1, Math.floor((steps + 2) / 4), Math.floor((steps * 2 + 2) / 4), Math.floor((steps * 3 + 2) / 4), steps]
      : [1, steps];
    return values.filter(function (v, i) { return v >= 1 && values.indexOf(v) === i; })
      .sort(function (a, b) { return a - b; });
  }

  function replaceAddress(ns, state) {
    var url = new URL(location.href);
    KEYS.forEach(function (k) { url.searchParams.delete(ns + "." + k); });
    KEYS.forEach(function (k) { url.searchParams.set(ns + "." + k, state[k]); });
    history.replaceState(history.state, "", url.pathname + "?" + url.searchParams.toString() + url.hash);
  }

  function Line(root, geom, steps, opt, group) {
    this.geom = geom;
    this.steps = steps;
    this.losses = [];
    this.sum = 0;
    this.points = [];
    this.every = Math.max(1, Math.ceil(steps / geom.max_points));
    this.poly = document.createElementNS(SVGNS, "polyline");
    this.poly.setAttribute("class", "line line-" + opt);
    this.poly.setAttribute("points", "");
    group.appendChild(this.poly);
  }

  Line.prototype.add = function (step, loss) {
    var g = this.geom, w = g.smooth, n;
    this.losses.push(loss);
    n = this.losses.length;
    this.sum += loss;
    if (n > w) this.sum -= this.losses[n - 1 - w];
    if (step === 1 || step % this.every === 0 || step === this.steps) {
      var mean = this.sum / Math.min(n, w);
      var x = g.x0 + (step - 1) / Math.max(1, this.steps - 1) * (g.x1 - g.x0);
      var clipped = Math.min(Math.max(mean, g.lo), g.hi);
      var y = g.y1 - (clipped - g.lo) / (g.hi - g.lo) * (g.y1 - g.y0);
      this.points.push(x.toFixed(1) + "," + y.toFixed(1));
    }
  };

  Line.prototype.draw = function () { this.poly.setAttribute("points", this.points.join(" ")); };

  function stop(root, why) {
    var run = current.get(root);
    if (!run) return;
    current.delete(root);
    run.stopped = true;
    run.ctrls.forEach(function (c) { c.abort(); });
    setButtons(root, false);
    progress(root, "");
    if (why) say(root, why);
  }

  function setButtons(root, running) {
    var start = root.querySelector("[data-practice-start]");
    var stopButton = root.querySelector("[data-practice-stop]");
    if (start) start.disabled = running;
    if (stopButton) {
      stopButton.disabled = !running;
      if (running) stopButton.focus();
      else if (start && document.activeElement === stopButton) start.focus();
    }
  }

  function say(root, text) {
    var status = root.querySelector("[data-practice-status]");
    if (!status) return;
    status.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    status.appendChild(p);
  }

  function progress(root, text) {
    var el = root.querySelector(".practice-progress");
    if (!el) {
      var status = root.querySelector("[data-practice-status]");
      if (!status) return;
      el = document.createElement("p");
      el.className = "practice-progress";
      el.setAttribute("aria-hidden", "true");
      status.parentNode.insertBefore(el, status.nextSibling);
    }
    el.textContent = text;
  }

  function prepare(root, run) {
    var geom = run.geom, words = run.words;
    var svg = root.querySelector("[data-practice-chart]");
    var group = root.querySelector("[data-practice-lines]");
    var ticks = root.querySelector("[data-practice-xticks]");
    while (group.firstChild) group.removeChild(group.firstChild);
    while (ticks.firstChild) ticks.removeChild(ticks.firstChild);
    xTicks(run.steps).forEach(function (v) {
      var t = document.createElementNS(SVGNS, "text");
      t.setAttribute("class", "tick");
      t.setAttribute("x", (geom.x0 + (v - 1) / Math.max(1, run.steps - 1) * (geom.x1 - geom.x0)).toFixed(1));
      t.setAttribute("y", geom.y1 + 22);
      t.setAttribute("text-anchor", "middle");
      t.textContent = fmtInt(v);
      ticks.appendChild(t);
    });
    run.lines = {};
    run.opts.forEach(function (opt) { run.lines[opt] = new Line(root, geom, run.steps, opt, group); });
    svg.setAttribute("data-points", "0");

    var dishes = root.querySelector("[data-practice-dishes]");
    while (dishes.firstChild) dishes.removeChild(dishes.firstChild);
    run.rows = {};
    milestones(run.steps, geom.marks).forEach(function (m) {
      var li = document.createElement("li");
      var menu = document.createElement("span");
      menu.className = "menu";
      menu.textContent = fill(words.menu, { n: fmtInt(m) });
      li.appendChild(menu);
      run.rows[m] = {};
      run.opts.forEach(function (opt) {
        var line = document.createElement("span");
        line.className = "dish-line";
        if (run.opts.length > 1) {
          var who = document.createElement("span");
          who.className = "who";
          who.textContent = words[opt] + (root.dataset.lang === "zh" ? "：" : ": ");
          line.appendChild(who);
        }
        li.appendChild(line);
        run.rows[m][opt] = line;
      });
      li.hidden = true;
      dishes.appendChild(li);
    });
    var table = root.querySelector(".practice-numbers");
    if (table) table.hidden = true;
  }

  function render(run) {
    if (run.frame) return;
    run.frame = requestAnimationFrame(function () {
      run.frame = 0;
      var count = 0;
      Object.keys(run.lines).forEach(function (k) { run.lines[k].draw(); count += run.lines[k].points.length; });
      var svg = run.root.querySelector("[data-practice-chart]");
      if (svg) svg.setAttribute("data-points", String(count));
    });
  }

  function onEvent(run, opt, event, data) {
    if (run.stopped) return;
    var root = run.root, words = run.words;
    if (event === "message") { // a step
      run.lines[opt].add(data.step, data.loss);
      run.seen = Math.max(run.seen, data.step);
      render(run);
      progress(root, fill(words.running, { n: fmtInt(run.seen), total: fmtInt(run.steps) }));
    } else if (event === "dishes") {
      var slot = run.rows[data.step] && run.rows[data.step][opt];
      if (!slot) return;
      data.names.forEach(function (name) {
        var span = document.createElement("span");
        span.className = "dish";
        span.textContent = name || "\uD83D\uDECE\uFE0F";
        slot.appendChild(span);
        slot.appendChild(document.createTextNode(" "));
      });
      slot.parentNode.hidden = false;
      say(root, fill(words.served, { n: fmtInt(data.step) }));
    } else if (event === "broke") {
      say(root, (run.opts.length > 1 ? words[opt] + (root.dataset.lang === "zh" ? "：" : ": ") : "") +
        fill(words.broke, { n: fmtInt(data.step) }));
    }
  }

  function readStream(run, opt, response) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function handle(block) {
      var event = "message", data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) event = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
      });
      if (data) onEvent(run, opt, event, JSON.parse(data));
    }
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var blocks = buffer.split("\n\n");
        buffer = blocks.pop();
        blocks.forEach(handle);
        return pump();
      });
    }
    return pump();
  }

  function failure(run, status, body) {
    var lang = run.root.dataset.lang;
    if (body && body.message && body.message[lang]) return body.message[lang];
    if (status === 422 && body && body.detail && body.detail[0] && body.detail[0].msg) return body.detail[0].msg;
    return run.words.failed;
  }

  function start(form) {
    var root = form.closest(".widget-practice");
    var ns = root.dataset.ns;
    var geom = json(root, "data-geom"), words = json(root, "data-words");
    var state = readState(form, ns);
    if (!geom || !words || !state || !window.fetch || !window.TextDecoder) {
      form.submit(); // the server draws the run, or explains what to fix
      return;
    }
    stop(root);
    var steps = Number(state.steps);
    var run = {
      root: root, geom: geom, words: words, steps: steps, seen: 0, ctrls: [], stopped: false, frame: 0,
      opts: state.opt === "both" ? ["adam", "sgd"] : [state.opt]
    };
    current.set(root, run);
    replaceAddress(ns, state);
    prepare(root, run);
    setButtons(root, true);
    say(root, fill(words.running, { n: 0, total: fmtInt(steps) }));
    progress(root, "");
    var streams = run.opts.map(function (opt) {
      var ctrl = new AbortController();
      run.ctrls.push(ctrl);
      var query = "steps=" + encodeURIComponent(state.steps) + "&lr=" + encodeURIComponent(state.lr) +
        "&seed=" + encodeURIComponent(state.seed) + "&optimizer=" + opt;
      return fetch("/api/train?" + query, { signal: ctrl.signal, headers: { Accept: "text/event-stream" } })
        .then(function (response) {
          if (!response.ok) {
            return response.json().catch(function () { return null; }).then(function (body) {
              throw { status: response.status, body: body };
            });
          }
          return readStream(run, opt, response);
        });
    });
    Promise.all(streams).then(function () {
      if (run.stopped) return;
      current.delete(root);
      setButtons(root, false);
      progress(root, "");
      say(root, words.finished);
      swapFinished(form, root, ns, state);
    }, function (err) {
      if (run.stopped) return;
      stop(root, err && (err.status || err.body) ? failure(run, err.status, err.body) : words.failed);
    });
  }

  function swapFinished(form, root, ns, state) {
    if (!window.htmx) return;
    var base = form.getAttribute("data-fragment");
    var params = new URLSearchParams();
    KEYS.forEach(function (k) { params.set(ns + "." + k, state[k]); });
    var out = form.getAttribute("data-out");
    window.htmx.ajax("GET", base + (base.indexOf("?") >= 0 ? "&" : "?") + params.toString(), {
      target: "#" + out, select: "#" + out, swap: "outerHTML"
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-practice-form]")) return;
    event.preventDefault();
    start(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-practice-stop]");
    if (!button) return;
    var root = button.closest(".widget-practice");
    var run = current.get(root);
    if (run) stop(root, fill(run.words.stopped, { n: fmtInt(run.seen) }));
  });

  function enhance(scope) {
    scope.querySelectorAll("[data-practice-stop]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
