declare module 'd3-org-chart' {
  export class OrgChart<T> {
    container(el: HTMLElement): this;
    data(rows: T[]): this;
    nodeWidth(f: () => number): this;
    nodeHeight(f: () => number): this;
    nodeContent(f: (d: { data: T }) => string): this;
    initialExpandLevel(n: number): this;
    duration(ms: number): this;
    svgWidth(n: number): this;
    svgHeight(n: number): this;
    render(): this;
    expandAll(): this;
  }
}
