// Progressive enhancement only: every page works the same without this file.
//  - the upload form takes a dropped file;
//  - 在线填写 (#editor with data-check): findings and totals refreshed from the server's check
//    (the library's rules, never a copy here) while typing, the draft autosaved, a warning
//    before leaving with unsaved changes, last year's text copied in on request.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  dropzone();
  editor();
});

function dropzone() {
  var zone = document.getElementById("upload-form");
  var input = document.getElementById("upload-file");
  if (!zone || !input) { return; }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      zone.submit();
    }
  });
}

var CHECK_DELAY = 600; // ms after the last keystroke
var AUTOSAVE_EVERY = 5000; // ms

function editor() {
  var form = document.getElementById("editor");
  if (!form || !form.dataset.check || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("editor-status");
  var severity = { error: "错误", warning: "警告", info: "提示" };
  var checkTimer = null;
  var checkSeq = 0;
  var submitting = false;
  var saving = false;
  var refused = false; // the server refused the draft (a newer version): stop autosaving
  var saved = snapshot(); // what the server's draft (or the page as served) holds

  function snapshot() {
    var data = new FormData(form);
    data.delete("csrf_token");
    return new URLSearchParams(data).toString();
  }

  function say(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "editor-status" + (kind ? " " + kind : "");
  }

  function post(url) {
    return fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) { throw new Error(body.error || ("服务器返回 " + response.status)); }
          return body;
        });
      });
  }

  // --- the live check ---------------------------------------------------------------------
  function check() {
    var seq = ++checkSeq;
    post(form.dataset.check).then(function (answer) {
      if (seq !== checkSeq) { return; } // a later check is under way
      showFindings(answer.findings || [], answer.problems || []);
      showTotals(answer.totals || {});
      showDefaults(answer.defaults || {});
    }).catch(function (error) { say("核对未完成：" + error.message, "failed"); });
  }

  function cellsFor(path) {
    return Array.prototype.filter.call(document.querySelectorAll("[data-path]"), function (el) {
      return el.getAttribute("data-path") === path && form.contains(el);
    });
  }

  function showFindings(findings, problems) {
    Array.prototype.forEach.call(form.querySelectorAll(".flagged"), function (el) {
      el.classList.remove("flagged", "error", "warning", "info");
      el.removeAttribute("title");
    });
    var list = document.getElementById("findings-list");
    var section = document.getElementById("findings");
    var none = document.getElementById("no-findings");
    if (none) { none.hidden = true; }
    if (list && section) {
      list.textContent = "";
      findings.forEach(function (f, i) {
        var li = document.createElement("li");
        li.id = "finding-" + i;
        li.className = f.severity;
        if (f.path) { li.setAttribute("data-path", f.path); }
        var strong = document.createElement("strong");
        strong.textContent = "[" + (severity[f.severity] || f.severity) + "] " + f.rule;
        li.appendChild(strong);
        li.appendChild(document.createTextNode(" " + f.message));
        if (f.hint) {
          li.appendChild(document.createElement("br"));
          var hint = document.createElement("span");
          hint.className = "hint";
          hint.textContent = "建议：" + f.hint;
          li.appendChild(hint);
        }
        list.appendChild(li);
      });
      section.hidden = findings.length === 0;
    }
    var plist = document.getElementById("problems-list");
    var psection = document.getElementById("problems");
    if (plist && psection) {
      plist.textContent = "";
      problems.forEach(function (p) {
        var li = document.createElement("li");
        li.setAttribute("data-path", p.path);
        li.textContent = p.label + "：" + p.message;
        plist.appendChild(li);
      });
      psection.hidden = problems.length === 0;
    }
    var marks = {};
    var titles = {};
    findings.forEach(function (f) {
      if (!f.path) { return; }
      if (!marks[f.path]) { marks[f.path] = f.severity; }
      titles[f.path] = (titles[f.path] ? titles[f.path] + "\n" : "") + f.rule + " " + f.message;
    });
    problems.forEach(function (p) { marks[p.path] = "error"; titles[p.path] = p.label + "：" + p.message; });
    Object.keys(marks).forEach(function (path) {
      cellsFor(path).forEach(function (el) {
        el.classList.add("flagged", marks[path]);
        el.title = titles[path];
      });
    });
    counts(findings.filter(function (f) { return f.severity === "error"; }).length + problems.length,
      findings.filter(function (f) { return f.severity === "warning"; }).length);
  }

  function counts(errors, warnings) {
    var link = document.getElementById("editor-counts");
    if (!link) { return; }
    link.textContent = errors || warnings ? errors + " 个错误，" + warnings + " 个警告" : "核对通过";
    link.className = errors ? "failed" : (warnings ? "unsaved" : "");
    link.hidden = false;
  }

  function showTotals(totals) {
    Object.keys(totals).forEach(function (path) {
      cellsFor(path).forEach(function (el) {
        if (el.tagName === "TD" && !el.querySelector("input")) { el.textContent = totals[path]; }
      });
    });
  }

  function showDefaults(defaults) {
    Array.prototype.forEach.call(form.querySelectorAll("textarea"), function (area) {
      var hint = form.querySelector('[data-default-for="' + area.name + '"]');
      if (!hint) { return; }
      var text = defaults[area.name];
      if (text) { hint.querySelector("span").textContent = text; }
      hint.hidden = !text || area.value.trim() !== "";
    });
  }

  // --- the draft --------------------------------------------------------------------------
  function autosave() {
    if (submitting || saving || refused) { return; }
    var now = snapshot();
    if (now === saved) { return; }
    saving = true;
    post(form.dataset.draft).then(function (answer) {
      saved = now;
      say(snapshot() === saved ? "已自动保存 " + answer.time : "有未保存的修改", snapshot() === saved ? "" : "unsaved");
    }).catch(function (error) {
      say("自动保存失败：" + error.message, "failed");
      refused = /草稿未保存/.test(error.message);
    }).then(function () { saving = false; });
  }

  form.addEventListener("input", function (event) {
    say("有未保存的修改", "unsaved");
    if (event.target.tagName === "TEXTAREA") {
      var hint = form.querySelector('[data-default-for="' + event.target.name + '"]');
      if (hint && event.target.value.trim() !== "") { hint.hidden = true; }
    }
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, CHECK_DELAY);
  });
  form.addEventListener("change", autosave); // a field left after a change
  setInterval(autosave, AUTOSAVE_EVERY);
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || snapshot() === saved) { return undefined; }
    event.preventDefault();
    event.returnValue = "有未保存的修改，确定离开吗？";
    return event.returnValue;
  });

  // --- channel rows: 添加一行 reveals the next blank row, 删除 empties one, in place ----------
  Array.prototype.forEach.call(form.querySelectorAll(".channel-group"), function (group) {
    var add = group.querySelector("button.add-row");
    var count = group.querySelector('input[type=hidden][name^="rows."]');
    function hiddenRows() { return group.querySelectorAll("tbody tr[hidden]"); }
    if (add) {
      add.addEventListener("click", function (event) {
        event.preventDefault();
        var next = hiddenRows()[0];
        if (!next) { return; }
        next.hidden = false;
        if (count) { count.value = String(Number(count.value) + 1); }
        add.disabled = hiddenRows().length === 0;
        var first = next.querySelector("input");
        if (first) { first.focus(); }
      });
    }
    Array.prototype.forEach.call(group.querySelectorAll("button.remove-row"), function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var row = button.closest("tr");
        Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) { input.value = ""; });
        var body = row.parentNode;
        body.appendChild(row); // the emptied row goes last, hidden: the rows above stay in order
        row.hidden = true;
        Array.prototype.forEach.call(body.querySelectorAll("tr"), function (tr, i) { tr.cells[0].textContent = String(i + 1); });
        if (add) { add.disabled = false; }
        form.dispatchEvent(new Event("input", { bubbles: true }));
        autosave();
      });
    });
  });

  // --- last year's text -------------------------------------------------------------------
  Array.prototype.forEach.call(form.querySelectorAll("button.copy-prev"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var area = form.querySelector('textarea[name="' + button.getAttribute("data-target") + '"]');
      var prev = form.querySelector('[data-prev-for="' + button.getAttribute("data-target") + '"]');
      if (!area || !prev) { return; }
      if (area.value.trim() !== "" && !window.confirm("用上年内容替换本年已填写的文字吗？")) { return; }
      area.value = prev.textContent;
      area.dispatchEvent(new Event("input", { bubbles: true }));
      area.dispatchEvent(new Event("change", { bubbles: true }));
      area.focus();
    });
  });
}
