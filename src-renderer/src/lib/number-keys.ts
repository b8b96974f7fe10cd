/** The keys of T whose values are numbers: what a form's numeric inputs may bind to. */
export type NumberKeys<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T]
