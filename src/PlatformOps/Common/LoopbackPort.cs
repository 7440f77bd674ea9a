using System.Net;
using System.Net.Sockets;

namespace PlatformOps.Common
{
    /// <summary>The one way the module picks a free TCP port on 127.0.0.1 for a scratch server it starts.</summary>
    public static class LoopbackPort
    {
        /// <summary>A port that was free on 127.0.0.1 a moment ago (the OS chose it); the caller binds it at once.</summary>
        public static int Free()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                return ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            finally
            {
                listener.Stop();
            }
        }

        /// <summary>Whether <paramref name="port"/> on 127.0.0.1 can be bound right now (a port the user chose for a server the module starts).</summary>
        public static bool IsFree(int port)
        {
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
