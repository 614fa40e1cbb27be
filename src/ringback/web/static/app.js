// Ringback's progressive layer: pages work without it; with it, forms and links marked
// data-target update part of the page with HTML from the server instead of reloading.
//
//   <form method="post" action="/contacts/7/notes" data-target="#notes"> ... </form>
//   <a href="/inbox?page=2" data-target="#inbox-list">More</a>
//
// The server answers such requests (header "X-Requested-With: ringback") with the HTML
// fragment to put in place of the target's contents. Ringback.request() is there for
// scripts of other pages; it sends the page's CSRF token on every request.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function request(url, options) {
    options = options || {};
    var headers = new Headers(options.headers || {});
    headers.set("X-Requested-With", "ringback");
    headers.set("X-CSRF-Token", csrfToken());
    return fetch(url, {
      method: options.method || "GET",
      body: options.body,
      headers: headers,
      credentials: "same-origin",
      redirect: "follow",
      signal: options.signal, // an AbortController's, to drop an answer no longer wanted
    });
  }

  function swap(target, url, options) {
    target.setAttribute("aria-busy", "true");
    return request(url, options)
      .then(function (response) {
        if (response.redirected && response.url.indexOf("/signin") !== -1) {
          window.location.assign(response.url); // signed out meanwhile
          return;
        }
        return response.text().then(function (html) {
          if (!response.ok) {
            html = '<p class="flash flash-error" role="alert">' +
              "That did not work (error " + response.status + "). Reload the page and try again.</p>";
          }
          target.innerHTML = html; // server-rendered, escaped by the templates
          target.dispatchEvent(new CustomEvent("ringback:updated", { bubbles: true }));
        });
      })
      .catch(function () {
        target.innerHTML = '<p class="flash flash-error" role="alert">' +
          "The server could not be reached. Check your connection and try again.</p>";
      })
      .finally(function () { target.removeAttribute("aria-busy"); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var selector = form.getAttribute("data-target");
    var target = selector && document.querySelector(selector);
    if (!target) return; // an ordinary form: let the browser send it
    event.preventDefault();
    var method = (form.getAttribute("method") || "GET").toUpperCase();
    var data = new FormData(form);
    var url = form.getAttribute("action") || window.location.pathname;
    if (method === "GET") {
      url += "?" + new URLSearchParams(data).toString();
      swap(target, url);
    } else {
      swap(target, url, { method: method, body: data });
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-target]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = document.querySelector(link.getAttribute("data-target"));
    if (!target) return;
    event.preventDefault();
    swap(target, link.getAttribute("href"));
  });

  window.Ringback = { request: request, swap: swap, csrfToken: csrfToken };
})();
