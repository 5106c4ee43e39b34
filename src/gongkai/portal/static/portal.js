// Drag-and-drop onto the upload form; the form works the same without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
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
});
