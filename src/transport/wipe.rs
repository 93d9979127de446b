//! Zeroizing ureq's connection buffers. A connection's buffers hold the last request (the form
//! with the client secret and the code) and the last response (the tokens) in plain text; ureq
//! frees them without overwriting. This connector wraps the top of the chain, where the buffers
//! hold plain text for http and https alike, and overwrites them when the connection is dropped.

use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};
use zeroize::Zeroize;

/// The connector: wraps the finished transport.
#[derive(Debug)]
pub(crate) struct Wiping;

impl<In: Transport> Connector<In> for Wiping {
    type Out = Wiped<In>;

    fn connect(&self, _: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(Wiped))
    }
}

/// A transport whose buffers are overwritten when it is dropped.
#[derive(Debug)]
pub(crate) struct Wiped<T: Transport>(T);

impl<T: Transport> Drop for Wiped<T> {
    fn drop(&mut self) {
        let buffers = self.0.buffers();
        buffers.output().zeroize();
        // Consuming what is left makes the whole input buffer free, and so reachable.
        let unconsumed = buffers.input().len();
        buffers.input_consume(unconsumed);
        buffers.input_append_buf().zeroize();
    }
}

impl<T: Transport> Transport for Wiped<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }
    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, timeout)
    }
    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(timeout)
    }
    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }
    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}
