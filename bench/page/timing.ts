/** What bench/page/harness.tsx measures in the browser, in milliseconds and frames per second. */
export interface Timing {
  shownFirst: number;
  firstChart: number;
  expandAll: number;
  shownAll: number;
  fps: number;
  /** Frames per second while panning the whole organization fitted on screen (Orgshift only). */
  overviewFps: number | null;
  drawn: number;
}
