// Package clientelingtest is the kit that Salon's tests share: polling
// instead of sleeping, a clock that moves only when told to, real bbolt
// databases checked at cleanup, a real embedded JetStream server, and the
// demo maison that the authorisation tests act on.
//
// It stands above every package it helps to test, beside cmd: it may
// import the domain, the store and NATS, and no production package may
// import it (the layout test holds both).
package clientelingtest
