// Licentia portal: small enhancements on top of pages that work without scripts.
// No inline scripts anywhere (the Content-Security-Policy forbids them): everything is wired here.

(() => {
  // Forms that change something important ask first.
  document.addEventListener('submit', (event) => {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Copy buttons put their text on the clipboard.
  document.addEventListener('click', (event) => {
    var button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
    if (!button) return;
    var text = button.getAttribute('data-copy') || '';
    var done = () => {
      button.classList.add('copied');
      setTimeout(() => {
        button.classList.remove('copied');
      }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, () => {});
    else {
      var area = document.createElement('textarea');
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand('copy');
        done();
      } catch (e) {
        // The text stays visible on the page to copy by hand.
      }
      area.remove();
    }
  });

  // Charts: a <canvas data-chart="{...Chart.js config...}">, drawn with the bundled Chart.js.
  function drawCharts(root) {
    if (typeof window.Chart !== 'function') return;
    root.querySelectorAll('canvas[data-chart]').forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = 'true';
      try {
        new window.Chart(canvas, JSON.parse(canvas.getAttribute('data-chart')));
      } catch (e) {
        canvas.replaceWith(
          document.createTextNode('The chart could not be drawn; the table below has the same figures.'),
        );
      }
    });
  }

  // Large uploads (key files of a million lines) go as one streamed request with a progress bar.
  function wireUploads(root) {
    root.querySelectorAll('form[data-upload]').forEach((form) => {
      if (form.dataset.wired) return;
      form.dataset.wired = 'true';
      form.addEventListener('submit', (event) => {
        var input = form.querySelector('input[type=file]');
        if (!input || !input.files || input.files.length === 0) return;
        event.preventDefault();
        var file = input.files[0];
        var progress = form.querySelector('progress');
        var status = form.querySelector('[data-upload-status]');
        var button = form.querySelector('button[type=submit]');
        var token = form.querySelector('input[name=_csrf]');
        var url = form.getAttribute('data-upload');
        // Ticked boxes marked data-upload-query travel in the query string, beside the file.
        form.querySelectorAll('input[data-upload-query]:checked').forEach((box) => {
          url +=
            (url.indexOf('?') < 0 ? '?' : '&') + encodeURIComponent(box.name) + '=' + encodeURIComponent(box.value);
        });
        var request = new XMLHttpRequest();
        request.open('POST', url);
        request.setRequestHeader('content-type', 'text/plain; charset=utf-8');
        if (token) request.setRequestHeader('x-csrf-token', token.value);
        if (progress) {
          progress.hidden = false;
          progress.value = 0;
        }
        if (button) button.disabled = true;
        request.upload.addEventListener('progress', (e) => {
          if (!e.lengthComputable) return;
          if (progress) progress.value = e.loaded / e.total;
          if (status)
            status.textContent = 'Sending ' + Math.round((100 * e.loaded) / e.total) + ' % of ' + file.name + '…';
        });
        request.upload.addEventListener('load', () => {
          if (status) status.textContent = 'Sent. Checking and storing the keys…';
        });
        request.addEventListener('load', () => {
          if (button) button.disabled = false;
          var location = request.getResponseHeader('x-location');
          if (request.status < 400 && location) {
            window.location.assign(location);
            return;
          }
          var target = document.querySelector(form.getAttribute('data-upload-target') || '#upload-result');
          if (target) target.innerHTML = request.responseText;
          if (status) status.textContent = request.status < 400 ? 'Done.' : 'The file was not loaded.';
          // Some keys were loaded: the counters and the list on this page are out of date.
          if (request.status < 400 && form.hasAttribute('data-upload-refresh'))
            refreshRegions(form.getAttribute('data-upload-refresh'));
        });
        request.addEventListener('error', () => {
          if (button) button.disabled = false;
          if (status) status.textContent = 'The upload was interrupted. Nothing of it was loaded; try again.';
        });
        request.send(file);
      });
    });
  }

  // Typing in a field that belongs to a choice (data-selects="radio id") makes that choice.
  ['input', 'change'].forEach((type) => {
    document.addEventListener(type, (event) => {
      var field = event.target;
      if (!(field instanceof Element) || !field.hasAttribute('data-selects')) return;
      var radio = document.getElementById(field.getAttribute('data-selects'));
      if (radio instanceof HTMLInputElement && !radio.checked) {
        radio.checked = true;
        radio.dispatchEvent(new Event('change', { bubbles: true }));
      }
    });
  });

  // A file chosen in <input type=file data-fill="#textarea"> is read into that textarea, so the
  // form posts text (and works without scripts by pasting).
  document.addEventListener('change', (event) => {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.hasAttribute('data-fill')) return;
    var target = document.querySelector(input.getAttribute('data-fill'));
    var file = input.files && input.files[0];
    if (!target || !file) return;
    file.text().then((text) => {
      target.value = text;
    });
  });

  // Fields that matter for one choice of another field only: <div data-shown-when="kind=floating">.
  // Hidden ones are disabled as well, so that what cannot be seen is not sent.
  function showDependentFields(root) {
    root.querySelectorAll('[data-shown-when]').forEach((box) => {
      var rule = (box.getAttribute('data-shown-when') || '').split('=');
      var form = box.closest('form');
      var field = form ? form.elements.namedItem(rule[0]) : null;
      if (!field) return;
      var shown = field.value === rule[1];
      box.hidden = !shown;
      box.querySelectorAll('input, select, textarea').forEach((input) => {
        input.disabled = !shown;
      });
    });
  }
  document.addEventListener('change', (event) => {
    var form = event.target instanceof Element ? event.target.closest('form') : null;
    if (form) showDependentFields(form);
  });

  // A button in an answer that sends its form again, first ticking a box of it ("load the good ones").
  document.addEventListener('click', (event) => {
    var button = event.target instanceof Element ? event.target.closest('button[data-resubmit]') : null;
    if (!button) return;
    var form = document.getElementById(button.getAttribute('data-resubmit'));
    if (!(form instanceof HTMLFormElement)) return;
    var tick = button.getAttribute('data-tick');
    var box = tick ? form.querySelector('input[type=checkbox][name="' + tick + '"]') : null;
    if (box) box.checked = true;
    form.requestSubmit();
  });

  // Replaces the regions named by `selectors` (ids, comma-separated) with those of this page as
  // the server renders it now, keeping the rest (such as an upload's answer) where it is.
  function refreshRegions(selectors) {
    fetch(window.location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then((response) => response.text())
      .then((html) => {
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        selectors.split(',').forEach((selector) => {
          var now = document.querySelector(selector.trim());
          var next = fresh.querySelector(selector.trim());
          if (!now || !next) return;
          now.replaceWith(next);
          wire(next);
        });
      });
  }

  function wire(root) {
    drawCharts(root);
    wireUploads(root);
    showDependentFields(root);
  }

  document.addEventListener('DOMContentLoaded', () => {
    wire(document);
  });
  document.addEventListener('htmx:afterSettle', (event) => {
    wire(event.target instanceof Element ? event.target : document);
  });
})();
