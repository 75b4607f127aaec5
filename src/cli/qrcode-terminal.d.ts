// qrcode-terminal 0.12 ships no types; this is the one call chat-ui.ts makes.
declare module 'qrcode-terminal' {
  const qrcode: {
    generate: (text: string, opts: { small?: boolean }, done: (qr: string) => void) => void
  }
  export default qrcode
}
