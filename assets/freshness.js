/* The wall's freshness clock, browser half (see dashboard/clock_status.py for the server half).
 *
 * Asks /api/v1/status once a second with fetch, one request at a time, and keeps the last answer with the
 * browser's own time of arrival. Outside Dash's callback queue on purpose: a slow map refresh cannot delay
 * it, and an answer that does not come is exactly what "no connection to the server" means. */
(function () {
    "use strict";
    const state = { status: null, receivedMs: null, inFlight: false };
    window.cityopsFreshness = state;

    function language() {
        const lang = new URLSearchParams(window.location.search).get("lang");
        return lang ? "?lang=" + encodeURIComponent(lang) : "";
    }

    /* A wall whose token was revoked (or a session that ended) is told so on the screen, in words, within a
     * second: otherwise it would go on showing its last picture as if it were live. */
    function showLostAccess(message) {
        let banner = document.getElementById("access-lost");
        if (message === null) {
            if (banner) { banner.remove(); }
            return;
        }
        if (!banner) {
            banner = document.createElement("div");
            banner.id = "access-lost";
            banner.className = "access-lost";
            banner.setAttribute("role", "alert");
            document.body.appendChild(banner);
        }
        banner.textContent = message;
    }

    async function poll() {
        if (state.inFlight || !document.querySelector("#map-freshness, #wall-freshness")) { return; }
        state.inFlight = true;
        const abort = new AbortController();
        const timer = setTimeout(function () { abort.abort(); }, 10000);
        try {
            const response = await fetch("/api/v1/status" + language(), { cache: "no-store", signal: abort.signal });
            if (response.ok) {
                state.status = await response.json();
                state.receivedMs = Date.now();
                showLostAccess(null);
            } else if (response.status === 401) {
                showLostAccess((await response.json()).error);
            }
        } catch (e) {
            /* unreachable: the clock ages until an answer comes */
        } finally {
            clearTimeout(timer);
            state.inFlight = false;
        }
    }

    poll();
    setInterval(poll, 1000);
})();
