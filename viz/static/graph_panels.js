// chainrule's interactive backprop graph, part 2: toolbar (search, zoom, collapse), the
// backward stepper and the inspector. `chainrulePanels.attach(app)` adds them to an app made by
// graph_app.js. All numbers shown are texts computed in Python (graph_json.py).
var chainrulePanels = (function () {
  "use strict";

  function attach(app) {
    var g = app.g, d = g.data, state = app.state, h = app.h;
    var name = function (id) { return g.node[id] ? g.node[id].name : id; };

    // ---------- toolbar: search, zoom, collapse ----------
    var search = h("input", { type: "search", class: "cr-search", placeholder: "find a node by name",
      "aria-label": "find a node by name" });
    var count = h("span", { class: "cr-count" });
    var btn = function (text, title, fn, cls) {
      return h("button", { type: "button", title: title, class: cls || "", text: text, onclick: fn });
    };
    var tools = [search, count, h("span", { class: "cr-spacer" }),
      btn("−", "zoom out", function () { app.zoom.zoom(1.25); }),
      btn("+", "zoom in", function () { app.zoom.zoom(0.8); }),
      btn("fit", "fit the graph to the width", function () { app.zoom.fit(); })];
    if (d.groups.length) {
      tools.push(btn("collapse neurons", "draw each neuron as one box", function () { all(true); }));
      tools.push(btn("expand neurons", "show every dot product, bias and activation",
        function () { all(false); }));
    }
    tools.forEach(function (t) { app.toolbar.appendChild(t); });
    function all(v) { d.groups.forEach(function (gr) { state.collapsed[gr.id] = v; }); app.draw(); }

    var cursor = 0;
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      state.matches = !q ? [] : d.nodes.filter(function (n) { return n.name.toLowerCase().indexOf(q) >= 0; })
        .sort(function (a, b) { return (b.name.toLowerCase() === q) - (a.name.toLowerCase() === q); })
        .map(function (n) { return n.id; });
      cursor = 0;
      count.textContent = q ? state.matches.length + (state.matches.length === 1 ? " match" : " matches") +
        (state.matches.length ? " (Enter: show)" : "") : "";
      app.refresh();
    });
    search.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || !state.matches.length) return;
      var id = state.matches[cursor++ % state.matches.length], gr = g.groupOf[id];
      if (gr && state.collapsed[gr]) { state.collapsed[gr] = false; app.draw(); }
      app.select(id);
      var el = app.el(id); if (el) app.zoom.centre(el);
    });

    // ---------- backward, one step at a time ----------
    var stepText = h("div", { class: "cr-step-text" });
    var stepCount = h("span", { class: "cr-step-count" });
    var playBtn = btn("▶ play", "play backward step by step", function () { play(); }, "cr-play");
    var bar = h("div", { class: "cr-steps" }, [
      h("span", { class: "cr-steps-title", text: "Backward, step by step:" }),
      btn("|◀ start", "start: only " + name(d.root) + ".grad = 1", function () { go(0); }, "cr-first"),
      btn("◀", "previous step", function () { go(Math.max(0, state.step - 1)); }, "cr-prev"),
      btn("▶", "next step", function () { go(state.step < 0 ? 0 : Math.min(d.steps.length, state.step + 1)); }, "cr-next"),
      playBtn,
      btn("done", "leave step mode: every grad after backward()", function () { go(-1); }, "cr-done"),
      stepCount]);
    app.root.appendChild(bar);
    app.root.appendChild(stepText);
    var help = h("div", { class: "cr-help", text: "Click a node to inspect it; click a weight to see " +
      "every path from it to " + name(d.root) + ". Drag to pan; Ctrl+wheel or −/+ to zoom." +
      (d.groups.length ? " Click a neuron box to expand it, its dashed frame to collapse it." : "") });
    var inspector = h("div", { class: "cr-inspector" });
    app.root.appendChild(inspector);
    app.root.appendChild(help);

    function go(k) { state.step = k; app.refresh(); }
    function play() {
      if (state.playing) { stop(); return; }
      if (state.step < 0 || state.step >= d.steps.length) state.step = 0;
      playBtn.textContent = "⏸ pause";
      app.refresh();
      state.playing = setInterval(function () {
        if (state.step >= d.steps.length) { stop(); return; }
        go(state.step + 1);
      }, 1100);
    }
    function stop() { clearInterval(state.playing); state.playing = null; playBtn.textContent = "▶ play"; }
    app.box.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowRight") go(state.step < 0 ? 0 : Math.min(d.steps.length, state.step + 1));
      else if (ev.key === "ArrowLeft") go(Math.max(0, state.step - 1));
    });

    function describe(k) {
      if (k < 0) return "After backward(): every node holds d" + name(d.root) + "/d(node). " +
        "Press ▶ to replay backward one grad += at a time.";
      if (k === 0) return "Start: " + name(d.root) + ".grad = 1 (d" + name(d.root) + "/d" +
        name(d.root) + "); every other grad is 0. Each step passes a grad back along one edge.";
      return d.steps[k - 1].text; // BackpropStep.describe, as the static frames say it
    }

    // ---------- inspector ----------
    app.select = function (id) { state.selected = id; app.refresh(); };

    function row(label, value, field, title) {
      return h("tr", {}, [h("th", { text: label }),
        h("td", { text: value, "data-field": field, title: title || "" })]);
    }
    function chainLines(id) {
      var c = d.chains[id], n = g.node[id], r = name(d.root), lhs = c.lhs;
      if (c.error) return [h("div", { class: "cr-chain", text: c.error })];
      if (id === d.root) return [h("div", { class: "cr-chain", text: lhs + " = 1: backward starts here." })];
      if (!c.paths.length) return [h("div", { class: "cr-chain", text: lhs + " = 0: no path to " + r })];
      var lines = c.paths.map(function (p, k) {
        var sym = p.symbols;
        var num = p.factors.map(function (f) { return "(" + f[3] + ")"; }).join("");
        var lead = c.paths.length === 1 ? lhs + " = " : "path " + (k + 1) + ": ";
        return h("div", { class: "cr-chain" }, [h("span", { text: lead + sym }),
          h("br"), h("span", { class: "cr-chain-num", text: "= " + num + " = " + p.product_text })]);
      });
      if (c.paths.length > 1) {
        lines.push(h("div", { class: "cr-chain cr-chain-sum", text: lhs + " = sum over " + c.paths.length +
          " paths = " + c.paths.map(function (p) { return "(" + p.product_text + ")"; }).join(" + ") +
          " = " + c.total_text }));
      }
      lines.push(h("div", { class: c.matches_grad ? "cr-ok" : "cr-bad", text: (c.matches_grad ?
        "✓ equals " : "✗ differs from ") + n.name + ".grad = " + n.grad_text + " from backward()" }));
      return lines;
    }
    function inspect(id) {
      inspector.innerHTML = "";
      if (!id) {
        inspector.appendChild(h("div", { class: "cr-hint", text: "Click a node of the graph (or " +
          "find one by name) to see its numbers and the chain rule that gives its grad." }));
        return;
      }
      var n = g.node[id], parts = [];
      parts.push(h("div", { class: "cr-title" }, [h("span", { class: "cr-name", text: n.name }),
        h("span", { class: "cr-kind", text: n.op ? "  computed by the operation " + n.op_text :
          "  an input (a weight, a data value or a constant: no operation made it)" })]));
      parts.push(h("table", { class: "cr-numbers" }, [
        row("data", n.data_text, "data", String(n.data)),
        row("grad", n.grad_text, "grad", String(n.grad)),
        row("operation", n.op || "none (input)", "op")]));
      if (n.inputs.length) {
        parts.push(h("div", { class: "cr-sub", text: "Local derivative on each edge into " + n.name +
          " (recorded by " + n.op_text + " when it ran):" }));
        parts.push(h("ul", { class: "cr-locals" }, n.inputs.map(function (eid) {
          var e = g.edge[eid];
          return h("li", { "data-edge": eid, text: e.symbol + " = " + e.local_text + "   (from " +
            name(e.from) + ", data " + g.node[e.from].data_text + ")" });
        })));
      }
      parts.push(h("div", { class: "cr-sub", text: "Chain rule: the product of local derivatives on " +
        "the path from " + name(d.root) + " back to " + n.name + ":" }));
      chainLines(id).forEach(function (l) { parts.push(l); });
      var gr = g.groupOf[id];
      if (gr) parts.push(btn("collapse " + g.group[gr].name, "draw this neuron as one box",
        function () { app.setCollapsed(gr, true); }));
      parts.forEach(function (p) { inspector.appendChild(p); });
    }

    // ---------- colours and texts on the drawing ----------
    function downstream(id) {
      var seen = {}, stack = [id];
      while (stack.length) {
        var v = stack.pop();
        if (seen[v]) continue;
        seen[v] = true;
        g.node[v].users.forEach(function (u) { if (!seen[u]) stack.push(u); });
      }
      return seen;
    }
    function mark(id, cls) { var el = app.el(id); if (el) el.classList.add(cls); }

    app.refresh = function () {
      if (!app.svg) return;
      app.svg.querySelectorAll(".cr-hot, .cr-active, .cr-selected, .cr-match, .cr-from, .cr-to")
        .forEach(function (el) { el.classList.remove("cr-hot", "cr-active", "cr-selected", "cr-match", "cr-from", "cr-to"); });
      var sel = state.selected;
      if (sel) {
        var on = downstream(sel);
        Object.keys(on).forEach(function (v) {
          mark(app.visible(v), "cr-hot");
        });
        d.edges.forEach(function (e) { if (on[e.from]) mark(e.id, "cr-hot"); });
        mark(app.visible(sel), "cr-selected");
      }
      state.matches.forEach(function (id) { mark(app.visible(id), "cr-match"); });
      var grads = {};
      if (state.step >= 0) {
        d.nodes.forEach(function (n) { grads[n.id] = "0"; });
        grads[d.root] = "1";
        for (var k = 0; k < state.step; k++) grads[d.steps[k].parent] = d.steps[k].after_text;
        if (state.step > 0) {
          var s = d.steps[state.step - 1];
          mark(s.edge, "cr-active"); mark(app.visible(s.node), "cr-from"); mark(app.visible(s.parent), "cr-to");
        }
      } else d.nodes.forEach(function (n) { grads[n.id] = n.grad_text; });
      d.nodes.forEach(function (n) { setGrad(n.id, grads[n.id]); });
      d.groups.forEach(function (gr) { setGrad(gr.id, grads[gr.output]); });
      stepCount.textContent = state.step < 0 ? d.steps.length + " steps" : "step " + state.step + " / " + d.steps.length;
      stepText.textContent = describe(state.step);
      app.root.classList.toggle("cr-stepping", state.step >= 0);
      inspect(sel);
    };
    function setGrad(id, text) {
      var el = app.el(id);
      if (!el) return;
      el.querySelectorAll("text").forEach(function (t) {
        if (t.textContent.slice(0, 5) === "grad ") t.textContent = "grad " + text;
      });
    }
  }

  return { attach: attach };
})();
