// Stands in for lines-and-columns, which Sucrase uses only to print tokens for debugging.
export default class LinesAndColumns {
  locationForIndex() {
    return null;
  }
}
