// The chart widget of industry_transition (visualization/app.py, class VegaLite), as an ES module.
//
// Solara's VegaLite template (solara/widgets/vue/vegalite.vue), with the same loading of vega,
// vega-lite and vega-embed through Solara's CDN proxy and five changes: no 100 ms wait before
// drawing; a chart whose layout is unchanged receives its new named datasets through the Vega
// view instead of being embedded anew; a chart with no data yet is drawn with Vega's warnings
// off until its first data; vega, loaded by the page itself at start
// (industry_transition/templates/index.html.j2), is not loaded again; and the first drawing is
// reported to Python (`drawn`, see app.FirstPicture), or a failed one, or after 10 s at most.
//
// A module rather than a .vue file: a .vue template is compiled in the browser, its script
// parsed by Babel on the page's main thread, on the way to the first picture. ipyvue imports
// this module as it is (ipyvue.define_module: each session receives its code as a widget).
// The component's data, props and methods bound to the Python widget (spec, listen_to_click,
// drawn, altair_click, ...) come from ipyvue, as for a .vue template.
import { h } from "vue";

export default {
    render() {
        return h("div", [h("div", { ref: "plotElement" })]);
    },
    created() {
        this.vegaLoaded = this.loadVega();
        // Coalesce updates arriving together (one task), without Solara's 100 ms wait.
        this.plotPending = false;
        this.do_plot_debounced = () => {
            if (this.plotPending) {
                return;
            }
            this.plotPending = true;
            setTimeout(async () => {
                this.plotPending = false;
                await this.vegaLoaded;
                this.update_plot();
            }, 0);
        };
    },
    mounted() {
        this.do_plot_debounced();
        // if vega never loads or the drawing hangs, the page must not wait for this chart for
        // ever before showing its later controls (app.FirstPicture)
        this.vegaLoaded.catch(() => this.reportDrawn());
        this.drawnTimeout = setTimeout(() => this.reportDrawn(), 10000);
    },
    unmounted() {
        // a chart taken off the page (another view, another scenario) lets go of its Vega
        // view and its tooltip, which could otherwise stay on screen over the next view
        clearTimeout(this.drawnTimeout);
        this.unmountedAlready = true;
        this.stopObserving();
        this.finalizeDrawing(this.drawing);
        this.drawing = null;
        this.view = null;
    },
    watch: {
        spec() {
            this.do_plot_debounced();
        },
        listen_to_click() {
            this.do_plot_debounced();
        },
    },
    methods: {
        layout(spec) {
            // the spec without its data: equal layouts differ only in their named datasets
            return JSON.stringify({ ...spec, datasets: Object.keys(spec.datasets || {}).sort() });
        },
        allEmpty(datasets) {
            const rows = Object.values(datasets || {});
            return rows.length > 0 && rows.every((values) => !values || values.length === 0);
        },
        update_plot() {
            // a chart whose layout is unchanged gets its new data through the view (no new
            // compile, parse and scene graph); anything else is drawn anew
            const layout = this.layout(this.spec);
            if (this.view && this.drawnLayout === layout && !this.drawnListen === !this.listen_to_click) {
                try {
                    const datasets = this.spec.datasets || {};
                    for (const name of Object.keys(datasets)) {
                        this.view.data(name, JSON.parse(JSON.stringify(datasets[name])));
                    }
                    if (this.quiet && !this.allEmpty(datasets)) {
                        // drawn before the first data with warnings off: now they count
                        this.view.logLevel(this.vegaModule.Warn);
                        this.quiet = false;
                    }
                    // new data may need more room (longer axis labels): lay the chart out again
                    this.view.resize();
                    this.view.runAsync();
                    return;
                } catch (error) {
                    console.warn("data update failed, drawing the chart anew", error);
                }
            }
            this.do_plot();
        },
        do_plot() {
            window.require(
                ["vega", "vega-lite", "vega-embed"],
                (vega, vl, vegaEmbed) => {
                    this.embed(vega, vegaEmbed);
                },
                () => this.reportDrawn(),
            );
        },
        async embed(vega, vegaEmbed) {
            try {
                const spec = { ...JSON.parse(JSON.stringify(this.spec)), renderer: "svg" };
                const element = this.$refs.plotElement;
                let view = null;
                // one observer per chart: the one of an earlier drawing goes first
                this.stopObserving();
                if (spec.width === "container") {
                    element.classList.add("width-container");
                    this.observer = new ResizeObserver(() => {
                        if (view) {
                            view.resize();
                        }
                    });
                    this.observer.observe(element);
                }
                const layout = this.layout(this.spec);
                // a chart drawn before its first data (every dataset empty) has the same layout
                // as with data, so the first step only updates its data; Vega would warn that
                // empty data has no extent, so its warnings are off until data arrives
                // (update_plot turns them on again)
                const quiet = this.allEmpty(this.spec.datasets);
                const drawing = await vegaEmbed(element, spec, quiet ? { logLevel: vega.Error } : {});
                view = drawing.view;
                if (this.unmountedAlready) {
                    // taken off the page while vega-embed was drawing
                    this.finalizeDrawing(drawing);
                    this.stopObserving();
                    return;
                }
                this.vegaModule = vega;
                this.quiet = quiet;
                if (this.drawing && this.drawing !== drawing) {
                    this.finalizeDrawing(this.drawing);
                }
                this.drawing = drawing;
                this.view = view;
                this.drawnLayout = layout;
                this.drawnListen = this.listen_to_click;
                // events https://github.com/vega/vega-view#event-handling
                if (this.listen_to_click) {
                    view.addEventListener("click", (event, item) => {
                        this.altair_click(item && item.datum ? item.datum : null);
                    });
                }
                if (this.listen_to_hover) {
                    view.addEventListener("mouseover", (event, item) => {
                        this.altair_hover(item && item.datum ? item.datum : null);
                    });
                }
            } finally {
                this.reportDrawn();
            }
        },
        finalizeDrawing(drawing) {
            // vega-embed's finalize: the view's timers and listeners and the tooltip handler
            // (whose tooltip would otherwise stay on screen)
            if (drawing) {
                try {
                    drawing.finalize();
                } catch (error) {
                    console.warn("could not finalize a chart", error);
                }
            }
        },
        stopObserving() {
            if (this.observer) {
                this.observer.disconnect();
                this.observer = null;
            }
        },
        reportDrawn() {
            // tell the page the chart is drawn (or failed), once; the page builds its later
            // controls when every chart has (app.FirstPicture)
            if (!this.drawnReported) {
                this.drawnReported = true;
                if (this.drawn) {
                    this.drawn(null);
                }
            }
        },
        async loadVega() {
            // the page (industry_transition/templates/index.html.j2) already required vega,
            // vega-lite and vega-embed under these names while the kernel started; use them
            // instead of loading them again
            if (window.industryTransitionVega) {
                try {
                    await window.industryTransitionVega;
                    return;
                } catch (error) {
                    console.warn("vega was not preloaded, loading it now", error);
                }
            }
            await this.loadRequire();
            const cdn = this.getCdn();
            window.requirejs.undef("vega");
            window.requirejs.undef("vega-lite");
            window.requirejs.undef("vega-embed");
            window.require.config({
                map: {
                    "*": {
                        vega: `${cdn}/vega@5/build/vega.min.js`,
                        "vega-lite": `${cdn}/vega-lite@5/build/vega-lite.min.js`,
                        "vega-embed": `${cdn}/vega-embed@6/build/vega-embed.min.js`,
                    },
                },
            });
            await new Promise((resolve, reject) => {
                window.require(["vega", "vega-lite", "vega-embed"], () => resolve(), reject);
            });
        },
        loadRequire() {
            if (window.requirejs) {
                return Promise.resolve();
            }
            return new Promise((resolve, reject) => {
                const script = document.createElement("script");
                script.src = `${this.getCdn()}/requirejs@2.3.6/require.js`;
                script.onload = resolve;
                script.onerror = reject;
                document.head.appendChild(script);
            });
        },
        getJupyterBaseUrl() {
            // if base url is set, we use ./ for relative paths compared to the base url
            if (document.getElementsByTagName("base").length) {
                return "./";
            }
            const labConfigData = document.getElementById("jupyter-config-data");
            if (labConfigData) {
                return JSON.parse(labConfigData.textContent).baseUrl;
            }
            let base = document.body.dataset.baseUrl || document.baseURI;
            if (!base.endsWith("/")) {
                base += "/";
            }
            return base;
        },
        getCdn() {
            return this.cdn || (window.solara ? window.solara.cdn : `${this.getJupyterBaseUrl()}_solara/cdn`);
        },
    },
};
