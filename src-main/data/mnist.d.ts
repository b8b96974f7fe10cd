/** The parts of the untyped `mnist` package (10 000 digits, 28×28, values in [0, 1]) we use. */
declare module 'mnist' {
  interface MnistClass {
    id: number
    /** How many samples of this digit the package ships. */
    length: number
    /** Sample `index` as 784 row-major values in [0, 1] (random when the index is invalid). */
    get(index: number): number[]
  }
  const mnist: MnistClass[]
  export default mnist
}
